// HAL: network publish. The board's network stack prefixes dendra/v1/<site>/<device>/.

/** Publishes `len` payload bytes under topic kind (e.g. "alert"); qos 0|1; 0 when accepted, <0 otherwise. */
@external("hal", "net_publish")
export declare function net_publish(kind: usize, kindLen: u32, payload: usize, len: u32, qos: u32, retain: u32): i32;
