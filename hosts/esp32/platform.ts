// "xsuit/host" on ESP32: apps import this name on every platform and get that platform's
// host. Bare specifier on purpose: a relative one would resolve against "xsuit/".
export * from "xsuit/hosts/esp32/host";
