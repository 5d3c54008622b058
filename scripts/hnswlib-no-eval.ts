/**
 * Makes hnswlib-wasm's emscripten glue run under the site's Content-Security-Policy (no
 * 'unsafe-eval', src/browser/csp.ts).
 *
 * Why: hnswlib-wasm 0.8.2 was built without emscripten's `-sDYNAMIC_EXECUTION=0`, so embind writes
 * each C++ binding's JS invoker as source text and compiles it with `new Function` (via
 * `newFunc(Function, …)`) the first time a class is used. Under our policy that throws an EvalError
 * in the engine worker — measured: a library past ANN_THRESHOLD (5k papers) could not build or
 * restore its HNSW graph after a reload. Allowing 'unsafe-eval' for the whole site to serve one
 * library is the wrong trade, so the build replaces the two generated invokers with closures that do
 * the same steps (check arity, convert to wire types, call, run destructors, convert the result) —
 * what emscripten itself emits with DYNAMIC_EXECUTION=0.
 *
 * Invariant: each anchor must occur exactly once; a different hnswlib-wasm build fails the build
 * with a message instead of shipping glue that breaks at run time. tests/unit/hnswlib-no-eval.test.ts
 * runs the patched glue in Node with code generation from strings disallowed.
 */

/** The file of hnswlib-wasm that holds the emscripten glue (its name carries a content hash). */
export const HNSWLIB_GLUE = /hnswlib-wasm[\\/]dist[\\/]hnswlib-[0-9a-f]+\.js$/;

const CLASS_INVOKER = 'return newFunc(Function, args1).apply(null, args2);';
// The same steps as the generated source (see craftInvokerFunction just above the anchor), in a closure.
const CLASS_INVOKER_CLOSURE = `return (function (expected) {
        return function () {
          if (arguments.length !== expected) {
            throwBindingError('function ' + humanName + ' called with ' + arguments.length + ' arguments, expected ' + expected + ' args!');
          }
          var destructors = needsDestructorStack ? [] : null;
          var invokerArgs = [cppTargetFunc];
          var thisWired;
          if (isClassMethodFunc) {
            thisWired = argTypes[1].toWireType(destructors, this);
            invokerArgs.push(thisWired);
          }
          var wired = new Array(expected);
          for (var i = 0; i < expected; ++i) {
            wired[i] = argTypes[i + 2].toWireType(destructors, arguments[i]);
            invokerArgs.push(wired[i]);
          }
          var rv = cppInvokerFunc.apply(null, invokerArgs);
          if (needsDestructorStack) {
            runDestructors(destructors);
          } else {
            for (var j = isClassMethodFunc ? 1 : 2; j < argTypes.length; ++j) {
              if (argTypes[j].destructorFunction !== null) argTypes[j].destructorFunction(j === 1 ? thisWired : wired[j - 2]);
            }
          }
          if (returns) return argTypes[0].fromWireType(rv);
        };
      })(argCount - 2);`;

const METHOD_CALLER = 'var invokerFunction = newFunc(Function, params).apply(null, args);';
// The same steps as __emval_get_method_caller's generated source, in a closure.
const METHOD_CALLER_CLOSURE = `var invokerFunction = function (handle, name, destructors, args) {
        var argv = new Array(argCount - 1);
        var offset = 0;
        for (var i = 0; i < argCount - 1; ++i) {
          argv[i] = types[1 + i].readValueFromPointer(args + offset);
          offset += types[i + 1]['argPackAdvance'];
        }
        var rv = handle[name].apply(handle, argv);
        for (var k = 0; k < argCount - 1; ++k) {
          if (types[k + 1]['deleteObject']) types[k + 1].deleteObject(argv[k]);
        }
        if (!retType.isVoid) return retType.toWireType(destructors, rv);
      };`;

function replaceOnce(source: string, anchor: string, replacement: string): string {
  const first = source.indexOf(anchor);
  if (first < 0 || source.indexOf(anchor, first + 1) >= 0) {
    throw new Error(
      `hnswlib-wasm glue: expected "${anchor}" exactly once (found ${first < 0 ? 'none' : 'several'}). ` +
        'The installed hnswlib-wasm differs from 0.8.2: check whether it still compiles invokers with new Function (scripts/hnswlib-no-eval.ts).',
    );
  }
  return source.slice(0, first) + replacement + source.slice(first + anchor.length);
}

/** The glue with both `new Function` invokers replaced; throws if the glue is not the expected build. */
export function patchHnswlibGlue(source: string): string {
  return replaceOnce(replaceOnce(source, CLASS_INVOKER, CLASS_INVOKER_CLOSURE), METHOD_CALLER, METHOD_CALLER_CLOSURE);
}

/** Vite plugin: patches the glue wherever it is bundled (the engine worker, benches' pages). */
export function hnswlibNoEval() {
  return {
    name: 'atlas:hnswlib-no-eval',
    transform(code: string, id: string) {
      if (!HNSWLIB_GLUE.test(id.split('?')[0])) return null;
      return { code: patchHnswlibGlue(code), map: null };
    },
  };
}
