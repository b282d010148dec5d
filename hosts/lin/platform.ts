// "xsuit/host" on lin: apps import this name on every platform and get that platform's
// host. Bare specifier on purpose: a relative one would resolve against "xsuit/".
export * from "xsuit/hosts/lin/host";
