"""The median tfjs / PyTorch ratio per model and size over the rounds of cpu-vs-torch.sh: reads every
round-*/*/speed/*/speed.csv under the folder given, prints a Markdown table (ms per step of each round; median ratio)."""
import csv, glob, statistics, sys
from collections import defaultdict

rows = defaultdict(list)  # (model, size) -> [(round, tfjs ms, torch ms, ratio)]
for path in sorted(glob.glob(f'{sys.argv[1]}/round-*/speed/*/speed.csv')):
    rnd = int(path.split('/round-')[1].split('/')[0])
    for r in csv.DictReader(open(path)):
        if r['torch_ms']:
            rows[(r['model'], int(r['size']))].append((rnd, float(r['train_ms']), float(r['torch_ms']), float(r['tfjs_over_torch'])))
print('| model | size | tfjs ms per round | PyTorch ms per round | tfjs / PyTorch per round | median |')
print('|---|---|---|---|---|---|')
for (model, size), runs in sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    runs.sort()
    col = lambda i: ' ; '.join(f'{r[i]:g}' for r in runs)
    print(f'| {model} | {size} | {col(1)} | {col(2)} | {col(3)} | **{statistics.median(r[3] for r in runs):.2f}** |')
