#!/usr/bin/python3
"""torch_seed.py - the seed's two-tower model in PyTorch: tt's reference
for speed and quality.

    torch_seed.py [options] --steps N  ml-1m.txt   examples/s over N steps
    torch_seed.py [options] --epochs E ml-1m.txt   train; HR@10, NDCG@10

The model is ../shared/seed/two-tower-seed.md's (nn.Embedding tables, a
MultiHeadSelfAttention of the user embedding over the history, UserTower
and ItemTower MLPs) with the seed README's two corrections: scaled
dot-product energy per head, and padded history slots masked.
tests/parity_torch.py imports the classes below: the model benchmarked here
is the one whose loss and gradients are checked against tt's.

Data: `user item` lines, each user's in time order.  Leave-one-out: a
user's last item is the test target, the second last the validation
target, the rest training.  A training example is (user, up to the last
`history` training items before position t, item t) for t >= 1; examples
are shuffled each epoch and taken `batch` at a time.  Loss: cross-entropy
over all items (the item tower runs over every item each step); Adam.
Evaluation ranks all items, the user's earlier items excluded.
"""
import argparse
import math
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, emb_size, num_heads):
        super().__init__()
        assert emb_size % num_heads == 0, "Embedding size must be divisible by number of heads"
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
        self.register_buffer("all_items", torch.arange(item_num), persistent=False)

    def item_vectors(self):
        return self.item_tower(self.all_items)

    def loss(self, users, hist, targets):
        """Mean full-softmax cross-entropy over all items."""
        z = self.user_tower(users, hist)
        return F.cross_entropy(z @ self.item_vectors().t(), targets)


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


class Data:
    """ml-1m.txt split leave-one-out, as flat arrays.

    items: every user's items in time order, users one after another;
    start[u], end[u]: user u's span; train_end[u] = end[u] - 2 (the last
    two are validation and test)."""

    def __init__(self, path):
        raw = np.fromfile(path, dtype=np.int64, sep=" ").reshape(-1, 2)
        # stable: each user's lines keep their (time) order
        raw = raw[np.argsort(raw[:, 0], kind="stable")]
        _, users = np.unique(raw[:, 0], return_inverse=True)
        _, self.items = np.unique(raw[:, 1], return_inverse=True)
        self.n_users = int(users.max()) + 1
        self.n_items = int(self.items.max()) + 1
        counts = np.bincount(users, minlength=self.n_users)
        self.end = np.cumsum(counts)
        self.start = self.end - counts
        # users with fewer than 3 items: all training, no evaluation
        self.evaluable = counts >= 3
        self.train_end = np.where(self.evaluable, self.end - 2, self.end)
        # training examples: a target position p with start < p < train_end
        pos = [np.arange(s + 1, e) for s, e in zip(self.start, self.train_end)]
        self.ex_pos = np.concatenate(pos)
        self.ex_user = np.repeat(np.arange(self.n_users), [len(p) for p in pos])

    def histories(self, users, ends, L):
        """(B,L) right-aligned histories: user's items before position ends."""
        idx = ends[:, None] + np.arange(-L, 0)[None, :]
        valid = idx >= self.start[users][:, None]
        hist = self.items[np.maximum(idx, 0)]
        hist[~valid] = -1
        return hist

    def batches(self, B, L, rng):
        order = rng.permutation(len(self.ex_pos))
        for i in range(0, len(order), B):
            sel = order[i:i + B]
            pos, users = self.ex_pos[sel], self.ex_user[sel]
            yield (torch.from_numpy(users), torch.from_numpy(self.histories(users, pos, L)),
                   torch.from_numpy(self.items[pos]))


@torch.no_grad()
def evaluate(model, data, L, split, chunk=1024):
    """HR@10 and NDCG@10 over evaluable users; split 'valid' or 'test'."""
    model.eval()
    v = model.item_vectors()
    users = np.nonzero(data.evaluable)[0]
    # the target's position; everything before it is history and excluded
    tpos = data.train_end[users] + (0 if split == "valid" else 1)
    hr = ndcg = 0.0
    for i in range(0, len(users), chunk):
        u, p = users[i:i + chunk], tpos[i:i + chunk]
        hist = torch.from_numpy(data.histories(u, p, L))
        scores = model.user_tower(torch.from_numpy(u), hist) @ v.t()
        target = torch.from_numpy(data.items[p])
        tscore = scores.gather(1, target[:, None])
        for j in range(len(u)):  # the user's earlier items are not candidates
            seen = torch.from_numpy(data.items[data.start[u[j]]:p[j]])
            scores[j, seen] = float("-inf")
        rank = (scores > tscore).sum(1).numpy()
        hit = rank < 10
        hr += hit.sum()
        ndcg += (hit / np.log2(rank + 2.0)).sum()
    model.train()
    return hr / len(users), ndcg / len(users)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", help="user item lines (ml-1m.txt)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--steps", type=int, help="measure examples/s over N steps")
    mode.add_argument("--epochs", type=int, help="train E epochs, evaluate after each")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--history", type=int, default=50)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    data = Data(a.data)
    model = TwoTower(data.n_users, data.n_items, a.dim, a.hidden, a.heads)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)

    def step(users, hist, targets):
        opt.zero_grad(set_to_none=True)
        loss = model.loss(users, hist, targets)
        loss.backward()
        opt.step()
        return loss.item()

    if a.steps is not None:
        warm, n = 3, a.steps
        it = data.batches(a.batch, a.history, rng)
        batches = [next(it) for _ in range(warm + n)]
        for b in batches[:warm]:
            step(*b)
        t0 = time.perf_counter()
        examples = 0
        for b in batches[warm:]:
            step(*b)
            examples += len(b[2])
        secs = time.perf_counter() - t0
        print("torch seed examples/s: %.0f" % (examples / secs))
        return 0

    print("# %d users, %d items, %d training examples per epoch"
          % (data.n_users, data.n_items, len(data.ex_pos)), flush=True)
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        total = examples = 0
        for users, hist, targets in data.batches(a.batch, a.history, rng):
            total += step(users, hist, targets) * len(targets)
            examples += len(targets)
        secs = time.perf_counter() - t0
        hr, ndcg = evaluate(model, data, a.history, "valid")
        print("epoch %d valid_hr10 %.4f valid_ndcg10 %.4f" % (epoch, hr, ndcg))
        print("epoch %d loss %.4f examples/s %.0f seconds %.1f"
              % (epoch, total / examples, examples / secs, secs), flush=True)
    hr, ndcg = evaluate(model, data, a.history, "test")
    print("epoch %d test_hr10 %.4f test_ndcg10 %.4f" % (a.epochs, hr, ndcg))
    return 0


if __name__ == "__main__":
    sys.exit(main())
