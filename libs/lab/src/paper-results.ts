/**
 * Published numbers, quoted as paper numbers and never mixed with measured ones.
 *  - PixelRNN: van den Oord, Kalchbrenner, Kavukcuoglu, "Pixel Recurrent Neural Networks", ICML 2016
 *    (arXiv:1601.06759), Table 4 (binarized MNIST, test NLL in nats) and Table 5 (CIFAR-10, test bits/dim).
 *  - Gated PixelCNN: van den Oord et al., "Conditional Image Generation with PixelCNN Decoders", NeurIPS 2016
 *    (arXiv:1606.05328), Table 1 (CIFAR-10 test bits/dim).
 */
export interface PaperNumber {
  model: string;
  value: number;
  unit: 'nats' | 'bits/dim';
  source: string;
}

export const PAPER_BINARIZED_MNIST_NATS: readonly PaperNumber[] = [
  { model: 'PixelCNN', value: 81.3, unit: 'nats', source: 'PixelRNN paper, Table 4' },
  { model: 'Row LSTM', value: 80.54, unit: 'nats', source: 'PixelRNN paper, Table 4' },
  { model: 'Diagonal BiLSTM (1 layer, h = 32)', value: 80.75, unit: 'nats', source: 'PixelRNN paper, Table 4' },
  { model: 'Diagonal BiLSTM (7 layers, h = 16)', value: 79.2, unit: 'nats', source: 'PixelRNN paper, Table 4' },
  { model: 'NADE', value: 88.33, unit: 'nats', source: 'PixelRNN paper, Table 4 (baseline)' },
  { model: 'DRAW', value: 80.97, unit: 'nats', source: 'PixelRNN paper, Table 4 (baseline, upper bound)' },
];

export const PAPER_CIFAR10_BITS_PER_DIM: readonly PaperNumber[] = [
  { model: 'PixelCNN', value: 3.14, unit: 'bits/dim', source: 'PixelRNN paper, Table 5' },
  { model: 'Row LSTM', value: 3.07, unit: 'bits/dim', source: 'PixelRNN paper, Table 5' },
  { model: 'Diagonal BiLSTM', value: 3.0, unit: 'bits/dim', source: 'PixelRNN paper, Table 5' },
  { model: 'Gated PixelCNN', value: 3.03, unit: 'bits/dim', source: 'Gated PixelCNN paper, Table 1' },
];
