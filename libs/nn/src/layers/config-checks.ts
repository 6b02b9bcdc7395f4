/** Config checks shared by the models: each throws a ConfigError naming the model and the bad field. */
import { ConfigError } from '../errors';

export function positiveInteger(model: string, field: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new ConfigError(`${model}: ${field} must be a positive integer, got ${String(v)}`);
}

export function oddKernel(model: string, field: string, v: unknown): void {
  positiveInteger(model, field, v);
  if ((v as number) % 2 === 0)
    throw new ConfigError(`${model}: ${field} must be odd (a centred masked kernel), got ${String(v)}`);
}

/** Colour channels: 1 (MNIST) or 3 (RGB). */
export function imageChannels(model: string, channels: number): void {
  if (channels !== 1 && channels !== 3) throw new ConfigError(`${model}: channels must be 1 or 3, got ${channels}`);
}

/** A feature count that splits into `channels` colour groups. */
export function colourMultiple(model: string, field: string, v: number, channels: number): void {
  if (v % channels !== 0)
    throw new ConfigError(
      `${model}: ${field} = ${v} cannot be split into ${channels} colour groups: use a multiple of ${channels}`,
    );
}
