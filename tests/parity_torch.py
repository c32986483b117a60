#!/usr/bin/python3
"""parity_torch.py - tt's models in PyTorch against tt's own.

    parity_torch.py DIR

DIR holds the records of a kind=parity stream (tests/unit/test_parity.c)
as exported by `tt-dump --npy DIR`: every weight under tt's name, every
gradient as grad.NAME, the batch (users, hist, targets) and loss.  A
stream with user_emb is the seed architecture's, else the tt one's (with
block0.rel_bias, with its relative position bias).

The tt architecture is bench/peer_torch.py's model, the one bench/peer.sh
times tt-fit against: it takes the padded batch as it is (every slot with
a target an example of its row's causal attention) and must agree with
tt's to the same tolerance; so the parity vouches for the peer too.

The model is bench/torch_seed.py's, built the way
../shared/seed/two-tower-seed.md writes it (nn.Embedding tables,
MultiHeadSelfAttention with query/key/value/fc_out, UserTower fc1/fc2,
ItemTower fc1/fc2) with the two corrections of the seed's README: scaled
dot-product energy per head, and padded history slots masked; so the
parity also vouches for the benchmark's PyTorch reference.  The batch runs
in the seed's per-example form: each slot (b, t) with a target is one
example whose history is hist[b, :t+1].  Loss and every gradient must agree with tt's to 1e-4, relative to the largest
magnitude of each tensor.  Exit status 1 on any mismatch.  A stream whose
meta says precision=bf16 (test_parity --bf16) had tt's logits made in
bf16 (lib/model/bf16.h): PyTorch then makes them the same way
(peer_torch.BF16Logits), and the same tolerance holds.
"""
import os
import sys

import numpy as np
import torch

# the benchmark's reference model is the one checked here; the records
# are read by the examples' tts.py
top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(top, "bench"))
sys.path.insert(0, os.path.join(top, "examples", "python"))
from torch_seed import TwoTower, tt_names  # noqa: E402
import peer_torch  # noqa: E402
import tts  # noqa: E402

TOLERANCE = 1e-4


def load(d):
    """The records, and whether tt made the logits in bf16."""
    recs = tts.load_npy(d)
    meta = recs.pop("meta", None)
    return recs, meta is not None and "precision=bf16" in str(meta)


def seed_loss(model, users, hist, targets):
    """The seed model's loss in its per-example form."""
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
    return model.loss(ex_user, ex_hist, ex_target), len(ex_target)  # mean over examples


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: parity_torch.py DIR")
    torch.set_num_threads(1)
    recs, bf16 = load(sys.argv[1])
    seed = "user_emb" in recs
    N, E = recs["item_emb"].shape
    NH = 2  # tests/unit/test_parity.c's
    if seed:
        U = recs["user_emb"].shape[0]
        model = TwoTower(U, N, E, recs["ufc1_w"].shape[0], NH).double()
        names = tt_names(model)
    else:
        blocks = len({k.split(".")[0] for k in recs if k.startswith("block")})
        model = peer_torch.TT(N, E, recs["block0.ff1_w"].shape[0], NH,
                              recs["pos_emb"].shape[0], blocks, dropout=0.0,
                              rel_pos="block0.rel_bias" in recs).double()
        model.bf16 = bf16
        names = peer_torch.tt_names(model)
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
    if seed:
        loss, examples = seed_loss(model, users, hist, targets)
    else:
        loss, examples = model.loss(hist, targets)
    loss.backward()

    ours = float(recs["loss"])
    rel = abs(loss.item() - ours) / abs(loss.item())
    bad = rel > TOLERANCE
    failed |= bad
    print("%-16s %s relative error %.3g (torch %.9g, tt %.9g, %d examples)"
          % ("loss", "FAIL" if bad else "ok  ", rel, loss.item(), ours, examples))
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
