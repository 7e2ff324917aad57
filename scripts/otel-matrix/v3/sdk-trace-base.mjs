// SDK 3.x under the 2.x names the tests import (what @opentelemetry/sdk-trace-base 2.x itself
// does over @opentelemetry/sdk-trace): the provider was renamed, processors take options.
import * as sdk from "@opentelemetry/sdk-trace";

export * from "@opentelemetry/sdk-trace";
export const BasicTracerProvider = sdk.TracerProvider;

export class SimpleSpanProcessor extends sdk.SimpleSpanProcessor {
  constructor(exporter) {
    super({ exporter });
  }
}

export class BatchSpanProcessor extends sdk.BatchSpanProcessor {
  constructor(exporter, config = {}) {
    super({ ...config, exporter });
  }
}
