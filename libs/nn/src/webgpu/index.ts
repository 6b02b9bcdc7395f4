/**
 * Fused WebGPU kernels (custom WGSL through tfjs-backend-webgpu) with plain-tfjs fallbacks on other backends.
 * Dispatches on webgpu, forward / backward: gatedActivationPacked 1 / 1, softmaxCrossEntropyPerImage 2 / 1,
 * lstmCell 2 / 2 (1 without cPrev), fusedAdamMoments 1, fusedAdamApply 1 per variable.
 */
import { adamKernels } from './adam';
import { gatedActivationKernels } from './gated-activation';
import { lstmCellGradients, lstmCellKernels } from './lstm-cell';
import { ensureGradients, ensureWebgpuKernels } from './program';
import { softmaxXentKernels } from './softmax-xent';

export {
  adamApplyPlain,
  adamMomentsPlain,
  fusedAdamApply,
  fusedAdamMoments,
  type AdamApplyParams,
  type AdamMomentsParams,
} from './adam';
export { countWebgpuDispatches } from './dispatch-count';
export { onWebgpu } from './program';
export { clearWebgpuErrors, throwIfWebgpuFailed, watchWebgpuErrors } from './device-errors';
export { gatedActivationPacked, gatedActivationPackedPlain } from './gated-activation';
export { lstmCell, lstmCellPlain } from './lstm-cell';
export { softmaxCrossEntropyPerImage, softmaxCrossEntropyPerImagePlain } from './softmax-xent';

/**
 * Registers every `PixelModels*` webgpu kernel and the LSTM cell's gradient (idempotent). Optional: each op
 * registers its own on first use on webgpu, and registering needs no webgpu backend (kernels are looked up by
 * backend name when they run).
 */
export function registerFusedWebgpuKernels(): void {
  ensureWebgpuKernels([...gatedActivationKernels, ...softmaxXentKernels, ...lstmCellKernels, ...adamKernels]);
  ensureGradients(lstmCellGradients);
}
