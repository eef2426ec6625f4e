import * as ort from 'onnxruntime-node';
import { dump } from 'js-yaml';
import { acceptCrossRealmTypedArrays } from '../../test/jest-realm.ts';
import { describeIfShared, sharedFile } from '../../test/shared-material.ts';
import { ConfigError, parseConfig } from '../runtime/config.ts';
import { openOnProvider, providerPlan, type BackendInfo } from './execution-provider.ts';

const LINUX: BackendInfo[] = [
  { name: 'cpu', bundled: true },
  { name: 'webgpu', bundled: true },
  { name: 'cuda', bundled: false },
  { name: 'tensorrt', bundled: false },
];

describe('providerPlan', () => {
  it.each([
    ['cpu', ['cpu'], null],
    ['cuda', ['cuda'], null],
    ['tensorrt', ['tensorrt'], null],
    [
      'dml',
      ['cpu'],
      'detector.execution_provider "dml" is not available in onnxruntime-node on linux/x64 (it offers: cpu, webgpu, cuda, tensorrt); running on CPU. DirectML runs on Windows only',
    ],
    [
      'coreml',
      ['cpu'],
      'detector.execution_provider "coreml" is not available in onnxruntime-node on linux/x64 (it offers: cpu, webgpu, cuda, tensorrt); running on CPU. CoreML runs on macOS only',
    ],
  ] as const)('%s on linux/x64', (requested, providers, unavailable) => {
    expect(providerPlan(requested, LINUX, 'linux/x64')).toEqual({ providers, unavailable });
  });
});

describe('detector.execution_provider in the config', () => {
  const config = (detector: Record<string, unknown>) =>
    dump({
      api_base: 'https://api.wink.test',
      api_key: 'k',
      org_id: 'o',
      store_id: 's',
      detector,
      cameras: [
        {
          camera_id: 'c',
          rtsp: 'rtsp://10.0.0.5/s',
          capabilities: ['zones'],
          screenshot_size: [640, 480],
          zones: {
            a: [
              [0, 0],
              [10, 0],
              [10, 10],
            ],
          },
        },
      ],
    });

  it('defaults to cpu, shared inference on 2 threads', () => {
    expect(parseConfig(config({}), {}).detector).toMatchObject({ execution_provider: 'cpu', inference: 'shared', threads: 2 });
    expect(parseConfig(config({ execution_provider: 'cuda', inference: 'per_camera' }), {}).detector).toMatchObject({
      execution_provider: 'cuda',
      inference: 'per_camera',
    });
  });

  it.each([
    [{ execution_provider: 'gpu' }, 'detector.execution_provider: must be one of cpu, cuda, tensorrt, webgpu, dml, coreml, qnn'],
    [{ inference: 'pooled' }, 'detector.inference: must be "shared" or "per_camera"'],
    [{ threads: 0 }, 'detector.threads: must be at least 1'],
  ])('refuses %j', (detector, problem) => {
    let problems: readonly string[] = [];
    try {
      parseConfig(config(detector), {});
    } catch (err) {
      if (err instanceof ConfigError) problems = err.problems;
    }
    expect(problems).toContain(problem);
  });
});

describeIfShared(['models/yolov8n_int8.onnx', 'images/street.jpg'], 'a missing execution provider falls back to the CPU', () => {
  beforeAll(() => acceptCrossRealmTypedArrays());
  const model = () => sharedFile('models/yolov8n_int8.onnx');
  // No accelerator on the machines this runs on: CUDA's libraries are not installed (onnxruntime-node's install
  // script is kept from downloading them), so asking for it must fall back, never fail.
  const cudaInstalled = process.env.WINK_TEST_HAS_CUDA === '1';

  (cudaInstalled ? it.skip : it)('cuda without its libraries: runs on CPU and says why', async () => {
    const { session, info, message } = await openOnProvider(model(), 'cuda', { intraOpThreads: 1 }, ort.listSupportedBackends());
    await session.release();
    expect(info.provider).toBe('cpu');
    expect(message).toMatch(/^detector\.execution_provider "cuda" could not start \(.+\); running on CPU\. install CUDA 12/);
  });

  it('a provider this platform does not offer: runs on CPU and says so', async () => {
    const { session, info, message } = await openOnProvider(model(), 'coreml', { intraOpThreads: 1 }, [{ name: 'cpu', bundled: true }], 'linux/x64');
    await session.release();
    expect(info.provider).toBe('cpu');
    expect(message).toContain('"coreml" is not available in onnxruntime-node on linux/x64 (it offers: cpu); running on CPU');
  });

  it('a broken model still fails on the CPU, with its own message', async () => {
    await expect(openOnProvider(sharedFile('images/street.jpg'), 'cuda', {}, ort.listSupportedBackends())).rejects.toThrow(
      /Cannot load .*street\.jpg.* as an ONNX model/,
    );
  });
});
