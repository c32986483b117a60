#!/usr/bin/python3
"""peer_torch.py - tt-fit's default model (--arch tt) in plain PyTorch: the
peer that bench/peer.sh times tt against, and that tests/parity_torch.py
checks against tt layer by layer.

    peer_torch.py --steps N [--threads T] BATCHES     examples/s over N steps
                  [--negatives M --dropout P --weight-decay W --constant]
                                                       the sampled loss, as on Toys
    peer_torch.py --first-loss MODEL BATCHES          the loss of step 1
    peer_torch.py --flops BATCHES                     model FLOPs per example

BATCHES is a batch stream (tt-batch < ml.tts): the batches tt-fit cuts
for itself, in its order.  MODEL is a tt model stream whose weights the
model takes (tt-fit --lr 0 --max-steps 1 --dropout 0 writes tt's
initialisation): its step-1 loss is tt's (tt-fit's --log) to float
rounding.

The model is tt's (tt-fit(1), lib/model/model_towers.c): a shared item
table; the user tower item + slot embeddings, dropout, pre-norm blocks
of causal multi-head self-attention (attention output projected, dropout,
residual) and a ReLU feed-forward (dropout, residual), a final layer
norm; the loss a full softmax over every item at each slot with a target,
the mean over a batch's examples; Adam (0.9, 0.98, 1e-8), the learning
rate decayed linearly to 0 by the last step.  With rel_pos (tt-fit
--rel-pos, experimental), each block's attention scores get a learned
bias by the key's distance back from the query, rel_bias (NH,L), zero at
the start.  Initialisation as tt's
(embeddings N(0, 1/E), linear layers U(+-1/sqrt(fan_in)): PyTorch's own
nn.Linear rule).  Histories are left-padded rows of L slots (-1 for
none); the padded slots are computed and masked, as a PyTorch model does
(tt skips them).
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                "examples", "python"))
import tts  # noqa: E402


class Block(nn.Module):
    def __init__(self, E, H, NH, dropout, L=None):
        """L: with a relative position bias of L distances (None: without)."""
        super().__init__()
        self.NH = NH
        self.rel_bias = nn.Parameter(torch.zeros(NH, L)) if L else None
        self.ln1 = nn.LayerNorm(E)
        self.wq, self.wk, self.wv, self.wo = (nn.Linear(E, E) for _ in range(4))
        self.ln2 = nn.LayerNorm(E)
        self.ff1 = nn.Linear(E, H)
        self.ff2 = nn.Linear(H, E)
        self.drop = nn.Dropout(dropout)

    def forward(self, x, allowed):
        """x (B,L,E); allowed (B,1,L,L): query slot i may see key slot j."""
        B, L, E = x.shape
        D = E // self.NH
        h = self.ln1(x)
        q, k, v = (w(h).view(B, L, self.NH, D).transpose(1, 2)
                   for w in (self.wq, self.wk, self.wv))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        if self.rel_bias is not None:
            # query slot i, key slot j <= i: bias[h][i-j]; j > i is masked
            i = torch.arange(L)
            s = s + self.rel_bias[:, (i[:, None] - i[None, :]).clamp(min=0)]
        a = torch.softmax(s.masked_fill(~allowed, float("-inf")), dim=-1) @ v
        x = x + self.drop(self.wo(a.transpose(1, 2).reshape(B, L, E)))
        return x + self.drop(self.ff2(F.relu(self.ff1(self.ln2(x)))))


class BF16Logits(torch.autograd.Function):
    """z . W^T as tt-fit --precision bf16 makes it (lib/model/bf16.h): the
    operands rounded to bfloat16 (to nearest even), the sums in the
    operands' own precision; the gradient rounded to bfloat16 from float
    before both of its products."""

    @staticmethod
    def forward(ctx, z, W):
        zb, Wb = (t.float().bfloat16().to(t.dtype) for t in (z, W))
        ctx.save_for_backward(zb, Wb)
        return zb @ Wb.t()

    @staticmethod
    def backward(ctx, g):
        zb, Wb = ctx.saved_tensors
        gb = g.float().bfloat16().to(g.dtype)
        return gb @ Wb, gb.t() @ zb


class TT(nn.Module):
    """tt-fit --arch tt: N items, E wide, H hidden, NH heads, L slots."""

    def __init__(self, N, E=64, H=256, NH=2, L=50, blocks=2, dropout=0.1, rel_pos=False):
        super().__init__()
        self.item_emb = nn.Embedding(N, E)
        self.pos_emb = nn.Embedding(L, E)
        for t in (self.item_emb, self.pos_emb):
            nn.init.normal_(t.weight, std=1.0 / math.sqrt(E))
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(E, H, NH, dropout, L if rel_pos else None)
                                    for _ in range(blocks))
        self.lnf = nn.LayerNorm(E)
        self.bf16 = False  # the logits as tt-fit --precision bf16 makes them

    def user_vectors(self, hist, targets):
        """hist (B,L) items, -1 padding; z (T,E) at the slots with a target."""
        B, L = hist.shape
        valid = hist >= 0
        x = self.item_emb(hist.clamp(min=0)) * valid[..., None] + self.pos_emb.weight
        x = self.drop(x)
        causal = torch.ones(L, L, dtype=torch.bool).tril()
        # a padded query sees itself alone: finite, and never seen
        allowed = (causal & valid[:, None, :]) | torch.eye(L, dtype=torch.bool)
        allowed = allowed[:, None]
        for b in self.blocks:
            x = b(x, allowed)
        at = valid & (targets >= 0)
        return self.lnf(x[at]), targets[at]

    def loss(self, hist, targets, negatives=0):
        """Mean softmax cross-entropy over every item, and the examples;
        with negatives, over the target and that many items drawn
        uniformly for the batch (tt-fit --loss sampled: log-Q is a
        constant for uniform draws; a negative that is the row's own
        target is left out of that row)."""
        z, t = self.user_vectors(hist, targets)
        W = self.item_emb.weight
        if not negatives:
            logits = BF16Logits.apply(z, W) if self.bf16 else z @ W.t()
            return F.cross_entropy(logits, t), len(t)
        neg = torch.randint(0, W.shape[0], (negatives,))
        ln = (z @ W[neg].t()).masked_fill(neg[None, :] == t[:, None], float("-inf"))
        logits = torch.cat([(z * W[t]).sum(-1, keepdim=True), ln], 1)
        return F.cross_entropy(logits, torch.zeros(len(t), dtype=torch.long)), len(t)


def tt_names(model):
    """tt's tensor names -> the model's parameters."""
    names = {"item_emb": model.item_emb.weight, "pos_emb": model.pos_emb.weight,
             "lnf_g": model.lnf.weight, "lnf_b": model.lnf.bias}
    for i, b in enumerate(model.blocks):
        for tt, mod in (("ln1", b.ln1), ("ln2", b.ln2)):
            names["block%d.%s_g" % (i, tt)] = mod.weight
            names["block%d.%s_b" % (i, tt)] = mod.bias
        for w in ("q", "k", "v", "o"):
            lin = getattr(b, "w" + w)
            names["block%d.w%s" % (i, w)] = lin.weight
            names["block%d.b%s" % (i, w)] = lin.bias
        for f in ("ff1", "ff2"):
            lin = getattr(b, f)
            names["block%d.%s_w" % (i, f)] = lin.weight
            names["block%d.%s_b" % (i, f)] = lin.bias
        if b.rel_bias is not None:
            names["block%d.rel_bias" % i] = b.rel_bias
    return names


def from_records(recs, dropout):
    """The model of tt's weights recs ({name: array}, with meta)."""
    meta = dict(line.split("=", 1) for line in recs["meta"].splitlines() if "=" in line)
    N, E = recs["item_emb"].shape
    model = TT(N, E, int(meta["hidden"]), int(meta["heads"]), int(meta["history"]),
               int(meta["blocks"]), dropout, meta.get("rel_pos", "0") == "1")
    with torch.no_grad():
        for k, p in tt_names(model).items():
            p.copy_(torch.from_numpy(np.asarray(recs[k], dtype=np.float32)))
    return model


def read_batches(path, n=None):
    """The first n batches of a batch stream: (meta dict, [(hist, targets)])."""
    with open(path, "rb") as f:
        raw = tts.decompress(f.read())
    meta, out, hist = {}, [], None
    for r in tts.records(raw):
        if r.name == "meta":
            meta = dict(l.split("=", 1) for l in r.text().splitlines() if "=" in l)
        elif r.name == "hist":
            hist = torch.from_numpy(r.array().astype(np.int64))
        elif r.name == "targets":
            out.append((hist, torch.from_numpy(r.array().astype(np.int64))))
            if n is not None and len(out) == n:
                break
    return meta, out


def flops(batches, E, H, N, blocks, negatives=0):
    """Training FLOPs (forward and backward: 3 forward products) per
    example, counted as tt computes them: the filled slots only, a row's
    attention as full (n,n) products."""
    total = examples = 0
    for hist, targets in batches:
        valid = (hist >= 0).numpy()
        n = valid.sum(1)
        S, T = n.sum(), (valid & (targets >= 0).numpy()).sum()
        block = S * (4 * 2 * E * E + 2 * 2 * E * H) + (n ** 2).sum() * 2 * 2 * E
        scored = negatives + 1 if negatives else N
        total += 3 * (blocks * block + T * 2 * E * scored)
        examples += T
    return total / examples, 3 * 2 * E * (negatives + 1 if negatives else N) * 1.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("batches", help="a batch stream (tt-batch)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--steps", type=int, help="examples/s over N steps")
    mode.add_argument("--first-loss", metavar="MODEL", help="step 1's loss from MODEL's weights")
    mode.add_argument("--flops", action="store_true", help="training FLOPs per example")
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    ap.add_argument("--items", type=int, default=0, help="N (default: the batch stream's)")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--blocks", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--rel-pos", action="store_true",
                    help="a relative position bias in attention (tt-fit --rel-pos)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--negatives", type=int, default=0,
                    help="the sampled loss over M shared negatives (0: the full softmax)")
    ap.add_argument("--weight-decay", type=float, default=0.0, help="AdamW's, decoupled")
    ap.add_argument("--constant", action="store_true", help="a constant rate, not linear to 0")
    ap.add_argument("--autocast", action="store_true",
                    help="the forward pass under torch.autocast(cpu, bfloat16): PyTorch's own bf16")
    ap.add_argument("--warmup", type=int, default=3, help="steps before the clock starts")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    if a.first_loss:
        _, batches = read_batches(a.batches, 1)
        model = from_records(tts.load(a.first_loss), dropout=0.0)
        with torch.no_grad():
            loss, T = model.loss(*batches[0])
        print("torch first loss: %.6f (%d examples)" % (loss.item(), T))
        return 0

    meta, batches = read_batches(a.batches, None if a.flops else a.warmup + a.steps)
    N = a.items or int(meta["items"])
    L = int(meta["history"])
    if a.flops:
        per, logits = flops(batches, a.dim, a.hidden, N, a.blocks, a.negatives)
        print("model MFLOP per example: %.3f (logits %.3f)" % (per / 1e6, logits / 1e6))
        return 0
    model = TT(N, a.dim, a.hidden, a.heads, L, a.blocks, a.dropout, a.rel_pos)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, betas=(0.9, 0.98), eps=1e-8,
                            weight_decay=a.weight_decay, foreach=True)
    planned = a.steps  # tt-fit --max-steps N: linear to 0 over N steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 1.0 if a.constant else 1.0 - min(s, planned - 1) / planned)
    examples, t0 = 0, None
    for i, (hist, targets) in enumerate(batches):
        if i == a.warmup:
            t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.autocast):
            loss, T = model.loss(hist, targets, a.negatives)
        loss.backward()
        opt.step()
        sched.step()
        if t0 is not None:
            examples += T
    secs = time.perf_counter() - t0
    print("torch examples/s: %.0f (%d steps, %d threads, loss %.4f)"
          % (examples / secs, a.steps, a.threads, loss.item()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
