// HAL: network publish. The board's network stack prefixes dendra/v1/<site>/<device>/.

/**
 * Publishes `len` payload bytes under topic kind (e.g. "alert"); qos 0|1. Returns a message id
 * (>= 1) when the stack accepted the message, <0 when it refused it (bad arguments, transport
 * error). Acceptance is not delivery: poll `net_is_acked(id)`.
 */
@external("hal", "net_publish")
export declare function net_publish(kind: usize, kindLen: u32, payload: usize, len: u32, qos: u32, retain: u32): i32;

/**
 * Delivery state of message `id`: 1 delivered (QoS 1: PUBACK received; QoS 0: handed to the
 * link), 0 still pending, <0 lost (transport error, or an id this boot never issued, e.g. after
 * a reset): publish it again. A final state (1 or <0) is reported once; later queries return <0.
 */
@external("hal", "net_is_acked")
export declare function net_is_acked(id: i32): i32;

/** 1 when the stack has a broker connection (publishes go out now), 0 when it is offline. */
@external("hal", "net_connected")
export declare function net_connected(): i32;

/**
 * Takes the oldest command the stack received on dendra/v1/<site>/<device>/cmd (the device's own
 * cmd topic; QoS 1): copies min(length, cap) bytes to dst and returns the full length, so a
 * result > cap means the command was truncated (treat it as oversized). 0 when none is waiting,
 * E_COMMAND (-26, status.ts) when the command taken was empty (0 bytes), another <0 on bad
 * arguments. Each command is returned once; the stack's queue is bounded (excess dropped).
 */
@external("hal", "net_cmd_poll")
export declare function net_cmd_poll(dst: usize, cap: u32): i32;

/**
 * Asks the stack to republish the device's retained `status` (online) and its last retained
 * `model` record. Returns how many records it handed to the broker link (0 while offline or when
 * it has none), <0 on a transport error.
 */
@external("hal", "net_announce")
export declare function net_announce(): i32;
