// Where the detector runs: onnxruntime's execution providers (detector.execution_provider). The npm package bundles
// the CPU provider everywhere and lists the others it knows per platform (listSupportedBackends: on Linux x64 also
// cuda and tensorrt, whose libraries onnxruntime-node's install script downloads only on request, and webgpu).
// An accelerator that is missing or fails to start never stops the store: the detector falls back to the CPU and
// says why at start-up.
import * as ort from 'onnxruntime-node';
import { LocalModelRunner, openModelSession, PersonDetector, type ModelInfo, type PersonDetectorOptions, type SessionOptions } from './person-detector.ts';

/** The values detector.execution_provider accepts (onnxruntime-node's names, on any platform). */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'tensorrt', 'webgpu', 'dml', 'coreml', 'qnn'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** What onnxruntime-node reports of a provider on this platform (listSupportedBackends). */
export interface BackendInfo {
  name: string;
  /** Shipped inside the npm package; false: its libraries are installed separately. */
  bundled: boolean;
}

/** How to get each accelerator's libraries (README section 4, "Accelerators"). */
const INSTALL_HINT: Partial<Record<ExecutionProvider, string>> = {
  cuda: 'install CUDA 12 and cuDNN 9, then `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (downloads the CUDA provider)',
  tensorrt: 'install CUDA 12, cuDNN 9 and TensorRT 10, then `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node`',
  webgpu: 'needs a GPU with a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver',
  dml: 'DirectML runs on Windows only',
  coreml: 'CoreML runs on macOS only',
  qnn: 'QNN runs on Windows on Arm (Qualcomm NPU) only',
};

export interface ProviderPlan {
  /** Providers to create the session with. */
  providers: string[];
  /** Set when the requested provider is not even listed here: the start-up message. */
  unavailable: string | null;
}

/** The providers to try for `requested` on a platform offering `available`. */
export function providerPlan(requested: ExecutionProvider, available: readonly BackendInfo[], platform: string): ProviderPlan {
  if (requested === 'cpu') return { providers: ['cpu'], unavailable: null };
  if (!available.some((b) => b.name === requested)) {
    const listed = available.map((b) => b.name).join(', ');
    return {
      providers: ['cpu'],
      unavailable:
        `detector.execution_provider "${requested}" is not available in onnxruntime-node on ${platform} (it offers: ${listed}); running on CPU. ${INSTALL_HINT[requested] ?? ''}`.trim(),
    };
  }
  return { providers: [requested], unavailable: null };
}

/** The start-up line when the requested provider failed to start. */
export function fallbackMessage(requested: ExecutionProvider, error: string): string {
  return `detector.execution_provider "${requested}" could not start (${error}); running on CPU. ${INSTALL_HINT[requested] ?? ''}`.trim();
}

export interface ProviderSession {
  session: ort.InferenceSession;
  info: ModelInfo;
  /** What to tell the operator: the provider used, and why not the requested one. */
  message: string;
}

/**
 * Opens the model on the requested provider, or on the CPU when that provider is missing or fails to start (an
 * error of the model itself still fails on the CPU too, and is thrown).
 */
export async function openOnProvider(
  modelPath: string,
  requested: ExecutionProvider,
  options: Omit<SessionOptions, 'executionProviders'>,
  available: readonly BackendInfo[],
  platform = `${process.platform}/${process.arch}`,
): Promise<ProviderSession> {
  const plan = providerPlan(requested, available, platform);
  if (plan.providers[0] !== 'cpu') {
    try {
      const opened = await openModelSession(modelPath, { ...options, executionProviders: plan.providers });
      return { ...opened, message: `detector runs on ${requested} (onnxruntime execution provider)` };
    } catch (err) {
      const opened = await openModelSession(modelPath, { ...options, executionProviders: ['cpu'] });
      const text = err instanceof Error ? err.message : String(err);
      // openModelSession wraps onnxruntime's words in "Cannot load … as an ONNX model (…)": the model is fine here.
      return { ...opened, message: fallbackMessage(requested, /as an ONNX model \((.*)\)$/s.exec(text)?.[1] ?? text) };
    }
  }
  const opened = await openModelSession(modelPath, { ...options, executionProviders: ['cpu'] });
  return { ...opened, message: plan.unavailable ?? 'detector runs on cpu' };
}

/** A detector with a session of its own on the requested provider (detector.inference: per_camera), or the CPU. */
export async function loadDetectorOn(
  modelPath: string,
  requested: ExecutionProvider,
  options: PersonDetectorOptions,
): Promise<{ detector: PersonDetector; message: string }> {
  const { intraOpThreads, format, ...thresholds } = options;
  const { session, info, message } = await openOnProvider(
    modelPath,
    requested,
    { ...(intraOpThreads !== undefined ? { intraOpThreads } : {}), ...(format ? { format } : {}) },
    ort.listSupportedBackends(),
  );
  return { detector: PersonDetector.withRunner(new LocalModelRunner(session, info), thresholds), message };
}
