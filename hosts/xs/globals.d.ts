// Globals that xsnap-worker gives a guest.
declare function print(...values: unknown[]): void;
declare function issueCommand(message: ArrayBuffer): ArrayBuffer;
