"""PyTorch twins of the training step of PixelCNN-family models, for side-by-side timing on one GPU.

Copied from shared/gpu-host/torch_reference.py (outside the repo) so that a clean clone has it; used by
experiments/bench/cpu-vs-torch.sh. One change from that copy: the Row LSTM's input-to-state convolution is the
paper's (and libs/pixelrnn's) 1 x 3 kernel with mask B along the row, not a 3 x 3 masked kernel (which also read
the row above: about 2.5x that convolution's work), and its state-to-state convolution has no bias (as ours).

Usage (on a host with PyTorch and CUDA; --device cpu --threads N for a CPU side-by-side):
  python3 torch_reference.py --model gated --channels 64 --layers 8 --batch 64 --size 28 --levels 256
Models: gated (Gated PixelCNN, F = --channels), pixelcnn (masked conv + residual blocks), row-lstm, diagonal-bilstm
(these three: feature width 2h = --channels, state h = --channels / 2).
Prints one JSON line per run: model, shape, ms_per_step, images_per_s, precision.
Single-channel (grayscale) images, Q-way softmax per pixel, Adam, fp32 unless --tf32.
"""
import argparse, json, time
import torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--model', default='gated', choices=['gated', 'pixelcnn', 'row-lstm', 'diagonal-bilstm'])
p.add_argument('--channels', type=int, default=64)
p.add_argument('--layers', type=int, default=8)
p.add_argument('--batch', type=int, default=64)
p.add_argument('--size', type=int, default=28)
p.add_argument('--levels', type=int, default=256)
p.add_argument('--steps', type=int, default=20)
p.add_argument('--tf32', action='store_true')
p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu', choices=['cuda', 'cpu'])
p.add_argument('--threads', type=int, default=0, help='CPU threads (0: torch default)')
p.add_argument('--first-kernel', type=int, default=7)
a = p.parse_args()
torch.backends.cuda.matmul.allow_tf32 = a.tf32
torch.backends.cudnn.allow_tf32 = a.tf32
dev = a.device
if a.threads:
    torch.set_num_threads(a.threads)
sync = torch.cuda.synchronize if dev == 'cuda' else (lambda: None)
C, L, B, S, Q = a.channels, a.layers, a.batch, a.size, a.levels
Hd = C // 2  # PixelCNN / Row LSTM / Diagonal BiLSTM: --channels is the feature width 2h, so h = channels / 2


def gate(t):
    x, y = t.chunk(2, 1)
    return torch.tanh(x) * torch.sigmoid(y)


class Gated(nn.Module):
    def __init__(s):
        super().__init__()
        s.ls = nn.ModuleList()
        for l in range(L):
            k, cin = (a.first_kernel, 1) if l == 0 else (3, C)
            s.ls.append(nn.ModuleDict(dict(v=nn.Conv2d(cin, 2 * C, (k // 2 + 1, k)), h=nn.Conv2d(cin, 2 * C, (1, k // 2 + 1)),
                                           v2h=nn.Conv2d(2 * C, 2 * C, 1), h2h=nn.Conv2d(C, C, 1))))
        s.o1, s.o2 = nn.Conv2d(C, 2 * C, 1), nn.Conv2d(2 * C, Q, 1)  # head width 2F, as the project's speed presets

    def forward(s, x):
        v = h = x
        for i, ly in enumerate(s.ls):
            k = a.first_kernel if i == 0 else 3
            pd = k // 2
            vc = ly['v'](F.pad(v, (pd, pd, pd + 1, 0)))[:, :, :S]          # rows strictly above
            if i == 0:
                hc = ly['h'](F.pad(h, (pd + 1, 0, 0, 0)))[:, :, :, :S]     # mask A: strictly left
            else:
                hc = ly['h'](F.pad(h, (pd, 0, 0, 0)))                      # mask B: left and self
            hc = hc + ly['v2h'](vc)
            ho = ly['h2h'](gate(hc))
            h = ho + h if i > 0 else ho
            v = gate(vc)
        return s.o2(F.relu(s.o1(F.relu(h))))


class MaskedConv(nn.Conv2d):
    def __init__(s, cin, cout, k, kind):
        super().__init__(cin, cout, k, padding=k // 2)
        m = torch.ones_like(s.weight)
        m[:, :, k // 2, k // 2 + (kind == 'B'):] = 0
        m[:, :, k // 2 + 1:] = 0
        s.register_buffer('mask', m)

    def forward(s, x):
        return F.conv2d(x, s.weight * s.mask, s.bias, padding=s.padding)


class PixelCNN(nn.Module):
    def __init__(s):
        super().__init__()
        s.inp = MaskedConv(1, 2 * Hd, 7, 'A')
        s.blocks = nn.ModuleList(nn.Sequential(nn.ReLU(), nn.Conv2d(2 * Hd, Hd, 1), nn.ReLU(), MaskedConv(Hd, Hd, 3, 'B'),
                                               nn.ReLU(), nn.Conv2d(Hd, 2 * Hd, 1)) for _ in range(L))
        s.out = nn.Sequential(nn.ReLU(), nn.Conv2d(2 * Hd, 2 * Hd, 1), nn.ReLU(), nn.Conv2d(2 * Hd, Q, 1))

    def forward(s, x):
        h = s.inp(x)
        for b in s.blocks:
            h = h + b(h)
        return s.out(h)


def lstm_cell(g, c):
    i, f, o, u = g.chunk(4, 1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(u)
    return torch.sigmoid(o) * torch.tanh(c), c


class RowConvB(nn.Conv2d):
    """1 x 3 convolution along the row with mask B: the pixel to the left and the current one."""
    def __init__(s, cin, cout):
        super().__init__(cin, cout, (1, 3), padding=(0, 1))
        m = torch.ones_like(s.weight)
        m[:, :, :, 2:] = 0
        s.register_buffer('mask', m)

    def forward(s, x):
        return F.conv2d(x, s.weight * s.mask, s.bias, padding=s.padding)


class RowLSTM(nn.Module):
    """Row LSTM layers: k=3 masked input-to-state along the row, 1x3 state-to-state from the row above."""
    def __init__(s):
        super().__init__()
        s.inp = MaskedConv(1, 2 * Hd, 7, 'A')
        s.i2s = nn.ModuleList(RowConvB(2 * Hd, 4 * Hd) for _ in range(L))
        s.s2s = nn.ModuleList(nn.Conv2d(Hd, 4 * Hd, (1, 3), padding=(0, 1), bias=False) for _ in range(L))
        s.res = nn.ModuleList(nn.Conv2d(Hd, 2 * Hd, 1) for _ in range(L))
        s.out = nn.Sequential(nn.ReLU(), nn.Conv2d(2 * Hd, 2 * Hd, 1), nn.ReLU(), nn.Conv2d(2 * Hd, Q, 1))

    def forward(s, x):
        x = s.inp(x)
        for l in range(L):
            g_in = s.i2s[l](x)
            h = torch.zeros(x.shape[0], Hd, 1, S, device=x.device)
            c = torch.zeros_like(h)
            rows = []
            for r in range(S):
                h, c = lstm_cell(g_in[:, :, r:r + 1] + s.s2s[l](h), c)
                rows.append(h)
            x = x + s.res[l](torch.cat(rows, 2))
        return s.out(x)


def skew(x):
    b, c, h, w = x.shape
    out = x.new_zeros(b, c, h, w + h - 1)
    for r in range(h):
        out[:, :, r, r:r + w] = x[:, :, r]
    return out


def unskew(x, w):
    return torch.stack([x[:, :, r, r:r + w] for r in range(x.shape[2])], 2)


class DiagBiLSTM(nn.Module):
    """Diagonal BiLSTM layers: skewed map, column-wise LSTM with 2x1 state-to-state, two directions."""
    def __init__(s):
        super().__init__()
        s.inp = MaskedConv(1, 2 * Hd, 7, 'A')
        s.i2s = nn.ModuleList(nn.ModuleList(MaskedConv(2 * Hd, 4 * Hd, 1, 'B') for _ in range(2)) for _ in range(L))
        s.s2s = nn.ModuleList(nn.ModuleList(nn.Conv2d(Hd, 4 * Hd, (2, 1)) for _ in range(2)) for _ in range(L))
        s.res = nn.ModuleList(nn.Conv2d(Hd, 2 * Hd, 1) for _ in range(L))
        s.out = nn.Sequential(nn.ReLU(), nn.Conv2d(2 * Hd, 2 * Hd, 1), nn.ReLU(), nn.Conv2d(2 * Hd, Q, 1))

    def direction(s, x, l, d):
        xs = skew(x if d == 0 else x.flip(3))
        g_in = s.i2s[l][d](xs)
        h = torch.zeros(x.shape[0], Hd, S, 1, device=x.device)
        c = torch.zeros_like(h)
        cols = []
        for j in range(xs.shape[3]):
            h, c = lstm_cell(g_in[:, :, :, j:j + 1] + s.s2s[l][d](F.pad(h, (0, 0, 1, 0))), c)
            cols.append(h)
        out = unskew(torch.cat(cols, 3), S)
        return out if d == 0 else out.flip(3)

    def forward(s, x):
        x = s.inp(x)
        for l in range(L):
            fwd, bwd = s.direction(x, l, 0), s.direction(x, l, 1)
            bwd = F.pad(bwd, (0, 0, 1, 0))[:, :, :S]   # shift the right-to-left map down one row
            x = x + s.res[l](fwd + bwd)
        return s.out(x)


model = dict(gated=Gated, pixelcnn=PixelCNN, **{'row-lstm': RowLSTM, 'diagonal-bilstm': DiagBiLSTM})[a.model]().to(dev)
opt = torch.optim.Adam(model.parameters(), 1e-3)
xi = torch.randint(0, Q, (B, S, S), device=dev)
x = (xi.float() / (Q - 1)).unsqueeze(1)


def step():
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), xi)
    loss.backward()
    opt.step()
    return loss


for _ in range(3):
    step()
sync()
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
sync()
ms = (time.perf_counter() - t0) / a.steps * 1000
print(json.dumps(dict(model=a.model, channels=C, layers=L, batch=B, size=S, levels=Q, precision='tf32' if a.tf32 else 'fp32',
                      ms_per_step=round(ms, 3), images_per_s=round(B / ms * 1000, 1),
                      params=sum(p.numel() for p in model.parameters()), device=torch.cuda.get_device_name() if dev == 'cuda' else f'cpu x{torch.get_num_threads()} threads', torch=torch.__version__)))
