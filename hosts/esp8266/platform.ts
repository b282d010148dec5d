// "xsuit/host" on ESP8266 (Moddable platform "esp"). Bare specifier on purpose: a
// relative one would resolve against "xsuit/".
export * from "xsuit/hosts/esp8266/host";
