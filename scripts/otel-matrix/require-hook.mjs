// vitest setup file for the SDK matrix: applies the require() side of aliases.mjs, since
// vitest's aliases only cover imports. `null` makes a package look not installed.
import Module from "node:module";
import { sdkAliases } from "./aliases.mjs";

const { requires } = sdkAliases();
if (Object.keys(requires).length > 0) {
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (Object.hasOwn(requires, request)) {
      const target = requires[request];
      if (target === null) {
        const err = new Error(`Cannot find module '${request}' (hidden by the SDK matrix)`);
        err.code = "MODULE_NOT_FOUND";
        throw err;
      }
      return target;
    }
    return original.call(this, request, ...rest);
  };
}
