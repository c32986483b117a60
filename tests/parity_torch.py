#!/usr/bin/python3
"""parity_torch.py - the seed architecture in PyTorch against tt's model.

    parity_torch.py DIR

DIR holds the records of a kind=parity stream (tests/unit/test_parity.c)
as exported by `tt-dump --npy DIR`: every weight under tt's name, every
gradient as grad.NAME, the batch (users, hist, targets) and loss.

The model is built the way ../shared/seed/two-tower-seed.md writes it
(nn.Embedding tables, MultiHeadSelfAttention with query/key/value/fc_out,
UserTower fc1/fc2, ItemTower fc1/fc2) with the two corrections of the
seed's README: scaled dot-product energy per head, and padded history
slots masked.  The batch runs in the seed's per-example form: each slot
(b, t) with a target is one example whose history is hist[b, :t+1].  Loss
and every gradient must agree with tt's to 1e-4, relative to the largest
magnitude of each tensor.  Exit status 1 on any mismatch.
"""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

TOLERANCE = 1e-4


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, emb_size, num_heads):
        super().__init__()
        assert emb_size % num_heads == 0
        self.emb_size = emb_size
        self.num_heads = num_heads
        self.head_dim = emb_size // num_heads
        self.query = nn.Linear(emb_size, emb_size)
        self.key = nn.Linear(emb_size, emb_size)
        self.value = nn.Linear(emb_size, emb_size)
        self.fc_out = nn.Linear(emb_size, emb_size)

    def forward(self, user_emb, item_embs, mask):
        """user_emb (B,E), item_embs (B,n,E), mask (B,n): True = an item."""
        batch_size = user_emb.shape[0]
        queries = self.query(user_emb).view(batch_size, self.num_heads, self.head_dim)
        keys = self.key(item_embs).view(batch_size, -1, self.num_heads, self.head_dim)
        values = self.value(item_embs).view(batch_size, -1, self.num_heads, self.head_dim)
        # correction 1: a dot product per head (the seed wrote "bhq,bnhk")
        energy = torch.einsum("bhd,bnhd->bhn", queries, keys) / math.sqrt(self.head_dim)
        # correction 2: padded slots take no attention
        energy = energy.masked_fill(~mask[:, None, :], float("-inf"))
        attention = torch.softmax(energy, dim=2)
        out = torch.einsum("bhn,bnhd->bhd", attention, values)
        out = out.reshape(batch_size, -1, self.emb_size)
        out = self.fc_out(out)
        # the seed sums over the sequence dimension: one query, one row
        return torch.sum(out, dim=1)


class UserTower(nn.Module):
    def __init__(self, user_num, item_num, emb_size, hidden_size, num_heads):
        super().__init__()
        self.user_emb = nn.Embedding(user_num, emb_size)
        self.item_emb = nn.Embedding(item_num, emb_size)
        self.self_attention = MultiHeadSelfAttention(emb_size, num_heads)
        self.fc1 = nn.Linear(emb_size * 2, hidden_size)
        self.fc2 = nn.Linear(hidden_size, emb_size)

    def forward(self, user_id, item_ids):
        """item_ids (B,n), -1 = padding."""
        mask = item_ids >= 0
        user_emb = self.user_emb(user_id)
        item_embs = self.item_emb(item_ids.clamp(min=0)) * mask[..., None]
        user_rep = self.self_attention(user_emb, item_embs, mask)
        user_rep = torch.cat((user_emb, user_rep), dim=1)
        user_rep = F.relu(self.fc1(user_rep))
        return self.fc2(user_rep)


class ItemTower(nn.Module):
    def __init__(self, item_num, emb_size, hidden_size):
        super().__init__()
        self.item_emb = nn.Embedding(item_num, emb_size)
        self.fc1 = nn.Linear(emb_size, hidden_size)
        self.fc2 = nn.Linear(hidden_size, emb_size)

    def forward(self, item_id):
        item_rep = F.relu(self.fc1(self.item_emb(item_id)))
        return self.fc2(item_rep)


class TwoTower(nn.Module):
    def __init__(self, user_num, item_num, emb_size, hidden_size, num_heads):
        super().__init__()
        self.user_tower = UserTower(user_num, item_num, emb_size, hidden_size, num_heads)
        self.item_tower = ItemTower(item_num, emb_size, hidden_size)


def tt_names(model):
    """tt's tensor names -> the PyTorch parameters they are."""
    u, i = model.user_tower, model.item_tower
    a = u.self_attention
    return {
        "user_emb": u.user_emb.weight,
        "hist_emb": u.item_emb.weight,
        "item_emb": i.item_emb.weight,
        "block0.wq": a.query.weight, "block0.bq": a.query.bias,
        "block0.wk": a.key.weight, "block0.bk": a.key.bias,
        "block0.wv": a.value.weight, "block0.bv": a.value.bias,
        "block0.wo": a.fc_out.weight, "block0.bo": a.fc_out.bias,
        "ufc1_w": u.fc1.weight, "ufc1_b": u.fc1.bias,
        "ufc2_w": u.fc2.weight, "ufc2_b": u.fc2.bias,
        "ifc1_w": i.fc1.weight, "ifc1_b": i.fc1.bias,
        "ifc2_w": i.fc2.weight, "ifc2_b": i.fc2.bias,
    }


def load(d):
    recs = {}
    for f in os.listdir(d):
        if f.endswith(".npy") and f != "meta.npy":
            recs[f[:-4]] = np.load(os.path.join(d, f))
    return recs


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: parity_torch.py DIR")
    torch.set_num_threads(1)
    recs = load(sys.argv[1])
    U, E = recs["user_emb"].shape
    N = recs["item_emb"].shape[0]
    F_ = recs["ufc1_w"].shape[0]
    NH = 2
    model = TwoTower(U, N, E, F_, NH).double()
    names = tt_names(model)
    failed = False
    weights = {k for k in recs
               if not k.startswith("grad.") and k not in ("users", "hist", "targets", "loss")}
    if weights != set(names):
        print("weights in the stream and in the model differ: only in the stream %s, "
              "only in the model %s" % (sorted(weights - set(names)), sorted(set(names) - weights)))
        return 1
    with torch.no_grad():
        for k, p in names.items():
            w = torch.from_numpy(recs[k].astype(np.float64))
            if tuple(w.shape) != tuple(p.shape):
                print("%s: shape %s, PyTorch %s" % (k, tuple(w.shape), tuple(p.shape)))
                return 1
            p.copy_(w)

    users = torch.from_numpy(recs["users"].astype(np.int64))
    hist = torch.from_numpy(recs["hist"].astype(np.int64))
    targets = torch.from_numpy(recs["targets"].astype(np.int64))
    B, L = hist.shape
    # one example per slot with a target: its history is the row up to it
    ex_user, ex_hist, ex_target = [], [], []
    for b in range(B):
        for t in range(L):
            if targets[b, t] >= 0:
                h = torch.full((L,), -1, dtype=torch.int64)
                h[:t + 1] = hist[b, :t + 1]
                ex_user.append(users[b])
                ex_hist.append(h)
                ex_target.append(targets[b, t])
    ex_user = torch.stack(ex_user)
    ex_hist = torch.stack(ex_hist)
    ex_target = torch.stack(ex_target)

    z = model.user_tower(ex_user, ex_hist)              # (T,E)
    v = model.item_tower(torch.arange(N))                # (N,E)
    loss = F.cross_entropy(z @ v.t(), ex_target)         # mean over examples
    loss.backward()

    ours = float(recs["loss"])
    rel = abs(loss.item() - ours) / abs(loss.item())
    bad = rel > TOLERANCE
    failed |= bad
    print("%-16s %s relative error %.3g (torch %.9g, tt %.9g, %d examples)"
          % ("loss", "FAIL" if bad else "ok  ", rel, loss.item(), ours, len(ex_target)))
    # the key bias and the item tower's output bias shift every logit of a
    # softmax alike: their true gradient is zero and both sides hold
    # rounding noise; such tensors are measured against the largest
    # gradient of the model instead of their own
    overall = max(np.abs(p.grad.numpy()).max() for p in names.values())
    for k, p in names.items():
        gk = "grad." + k
        if gk not in recs:
            print("%-16s FAIL: no %s record" % (k, gk))
            failed = True
            continue
        ref = p.grad.numpy()
        got = recs[gk].astype(np.float64)
        scale = np.abs(ref).max()
        zero = scale < 1e-6 * overall
        if zero:
            scale = overall
        err = np.abs(got - ref).max() / scale
        bad = not err <= TOLERANCE  # NaN fails too
        failed |= bad
        print("%-16s %s max error %.3g of max |grad| %.3g%s" % (
            gk, "FAIL" if bad else "ok  ", err, scale,
            " (zero in theory: of the largest gradient)" if zero else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
