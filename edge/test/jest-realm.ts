// jest runs each spec in its own vm realm. onnxruntime-node's native results are typed arrays of the main
// realm, and onnxruntime-common's `data instanceof Float32Array` (a test-realm constructor) rejects them:
// "A float32 tensor's data must be type of function Float32Array()" (jest#2549, onnxruntime#16622).
// Outside jest (node, deno, workers) there is one realm and nothing needs patching.

const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

let patched = false;

/** Make `x instanceof Float32Array` (and the other typed arrays) true for instances from any realm. Test-only. */
export function acceptCrossRealmTypedArrays(): void {
  if (patched) return;
  patched = true;
  for (const ctor of TYPED_ARRAYS) {
    const tag = `[object ${ctor.name}]`;
    // jest may hand every test file the same constructors: patch each once.
    if (Object.prototype.hasOwnProperty.call(ctor, Symbol.hasInstance)) continue;
    Object.defineProperty(ctor, Symbol.hasInstance, {
      configurable: true,
      value: (value: unknown) => ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === tag,
    });
  }
}
