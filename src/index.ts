export { BraintrustSpanProcessor } from "./processor.js";
export { BraintrustExporter } from "./exporter.js";
export { toBraintrustEvent } from "./convert/index.js";
export type { BraintrustExporterOptions } from "./config.js";
export type { BraintrustEvent, SpanLike, SpanType } from "./convert/types.js";
export type { DeliveryStats, DropReason, FlushResult } from "./delivery/delivery.js";
