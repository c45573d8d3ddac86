/**
 * The MQTT contract's word lists (docs/mqtt.md), apart from schema.ts so the CLI's option
 * definitions can name them without loading ajv and the JSON Schemas.
 */

/** Alert kinds defined by v1 (others matching the kind pattern are accepted too). */
export const ALERT_KINDS = ['overload.warning', 'dendrite.risk', 'device.fault'] as const;

/** Alert severities, least severe first. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** Command operations the device knows (docs/schemas/cmd.schema.json). */
export const COMMAND_OPS = ['ping', 'status', 'set-limit'] as const;
