/**
 * Shared by every project's vitest.config.ts. WebGPU without a GPU: Debian's chromium ships Google's SwiftShader
 * Vulkan driver, and pointing the Vulkan loader at it gives Dawn a software adapter, so the WebGPU tests run on
 * any machine that has it (shared/webgpu-on-cpu.md). A variable the user set is kept.
 */
import fs from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export function softwareGpuEnv(): Record<string, string> {
  if (process.env.VK_ICD_FILENAMES || !fs.existsSync(SWIFTSHADER_ICD)) return {};
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD };
}
