"""Write notebooks 10, 12, 13 and 14 of the course (outputs stripped) with nbformat.

    python notebooks/build_part_b.py          # rewrites the four .ipynb files next to it

Each notebook is a list of ("md" | "code", text) cells below; edit them here, not in Jupyter,
so that the notebooks stay reviewable as plain Python. Every claim a notebook's text makes
about its own output is asserted in a check cell, so a claim that stops being true fails
the test suite (tests/test_notebooks.py runs every notebook).
"""
import pathlib
import textwrap

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = pathlib.Path(__file__).resolve().parent


def build(name, cells):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text in cells:
        text = textwrap.dedent(text).strip("\n")
        nb.cells.append(new_markdown_cell(text) if kind == "md" else new_code_cell(text))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name[:2]}-{i:02d}"      # stable ids: no churn in git between builds
    nbformat.validate(nb)
    path = HERE / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


# ------------------------------------------------------------------------------ 10
TRANSFER = [
    ("md", """
    # 10. Transfer learning: freeze, replace the head, fine-tune

    A network trained on one task has learnt **features** (edges, strokes, blobs in its
    convolutions) that are useful for other tasks too. With few labelled images for a new
    task, it often pays to start from those features instead of from random weights:

    1. **load** a network trained on a big data set (here LeNet-5 trained on the 60,000
       Fashion-MNIST clothes images, shipped inside scratchnet: no download);
    2. **freeze** its feature extractor (`requires_grad_(False)`: the optimizer leaves it alone);
    3. **replace the head**, the last layers that map features to the *old* classes, by fresh
       layers for the *new* classes, and train only those;
    4. optionally **fine-tune**: unfreeze everything and train a little more with a small
       learning rate.

    The new task here is the UCI handwritten digits (shipped with scratchnet too), with only
    a handful of labelled images per digit. We compare against the same network trained
    from scratch on the same few images.
    """),
    ("code", """
    import time
    import numpy as np
    import matplotlib.pyplot as plt
    import scratchnet as sn
    from scratchnet import nn
    import scratchnet.nn.functional as F
    from scratchnet.models import lenet5, get_weight
    from scratchnet.data.datasets import Digits

    start = time.perf_counter()
    weights = get_weight("lenet5", "fashion_mnist")
    pretrained = lenet5(weights=weights).eval()
    meta = weights.meta
    print(f"LeNet-5 trained on {meta['dataset']}: test accuracy {meta['test_accuracy']:.2%}")
    print("made by:", meta["command"])
    print("old classes:", meta["class_names"])
    print(pretrained)
    """),
    ("md", """
    The model has two parts: `features` (two convolutions with pooling: image -> 16 maps of
    5x5) and `classifier` (three dense layers: 400 -> 120 -> 84 -> 10 clothes classes).
    The first convolution's six 5x5 filters show what the network looks for first:
    """),
    ("code", """
    w1 = pretrained.features[0].weight.numpy()[:, 0]          # (6, 5, 5)
    fig, axes = plt.subplots(1, 6, figsize=(9, 1.8))
    for ax, f in zip(axes, w1):
        ax.imshow(f, cmap="RdBu_r", vmin=-abs(w1).max(), vmax=abs(w1).max())
        ax.axis("off")
    fig.suptitle("first-layer filters of the pretrained LeNet-5 (red +, blue -)")
    plt.show()
    """),
    ("md", """
    **What to look at:** the filters are not noise: each is a smooth pattern of positive and
    negative weights, i.e. an edge or bar detector at some orientation. Detectors like these
    are not specific to clothes, which is why they can transfer.

    ## The new task: digits, with few labels

    The digits are 8x8 images with values 0..16. The network expects what it was trained on:
    28x28 images, scaled to [0, 1] and standardised with the *Fashion-MNIST* mean and std
    (`weights.meta`). So we scale, resize to 20x20 and pad to 28x28 (the MNIST layout: a
    20x20 character centred in a 28x28 box), then standardise the same way.
    """),
    ("code", """
    train, test = Digits(train=True), Digits(train=False)

    def prepare(images):
        x = sn.tensor(images[:, None].astype(np.float32) / 16.0)          # (N, 1, 8, 8)
        x = F.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False)
        x = F.pad(x, (4, 4, 4, 4))                                        # (N, 1, 28, 28)
        return (x - meta["mean"][0]) / meta["std"][0]

    x_train, y_train = prepare(train.data), sn.tensor(train.targets.astype(np.int64))
    x_test, y_test = prepare(test.data), sn.tensor(test.targets.astype(np.int64))
    print("train", x_train.shape, "test", x_test.shape)

    fig, axes = plt.subplots(1, 8, figsize=(9, 1.6))
    for ax, img, label in zip(axes, x_train.numpy()[:8, 0], train.targets[:8]):
        ax.imshow(img, cmap="gray"); ax.set_title(int(label)); ax.axis("off")
    fig.suptitle("digits as the pretrained network sees them")
    plt.show()
    """),
    ("md", """
    **What to look at:** blurrier than Fashion-MNIST (8x8 pixels blown up), but the same
    layout: a light shape on a dark background, centred.

    ## Freeze the features, replace the head

    We keep `features` frozen and give the network a fresh classifier for the 10 digits.
    Because the frozen part never changes, its output for each image can be computed
    **once**; training the head on those stored features is the same computation as
    training the whole model with a frozen trunk, only faster. The check cell below verifies
    exactly that equality.
    """),
    ("code", """
    model = lenet5(weights="fashion_mnist")
    model.features.requires_grad_(False)                 # freeze: no gradients, no updates

    def new_head(seed):
        sn.manual_seed(seed)
        return nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                             nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    model.classifier = new_head(0)                        # replace the head
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    print(f"trainable parameters: {trainable:,}; frozen: {frozen:,}")

    with sn.no_grad():
        f_train = model.features(x_train)                  # computed once: (N, 16, 5, 5)
        f_test = model.features(x_test)
        # the shortcut is exact: model(x) == head(features(x))
        assert np.allclose(model(x_test[:5]).numpy(), model.classifier(f_test[:5]).numpy())
    """),
    ("code", """
    loss_fn = nn.CrossEntropyLoss()

    def fit(net, x, y, steps=100, lr=1e-3):
        params = [p for p in net.parameters() if p.requires_grad]
        opt = sn.optim.Adam(params, lr=lr)
        for _ in range(steps):                             # full batch: the sets are tiny
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
        return net

    def accuracy(net, x, y):
        net.eval()
        with sn.no_grad():
            acc = float((net(x).argmax(1) == y).float().mean())
        net.train()
        return acc

    def few_labels(per_class, seed):
        rng = np.random.default_rng(seed)
        return np.concatenate([rng.choice(np.flatnonzero(train.targets == c), per_class,
                                          replace=False) for c in range(10)])
    """),
    ("md", """
    ## Transfer against training from scratch

    For 2 and 10 labelled images per digit (20 and 100 images), three random draws each, we
    train (a) a fresh LeNet-5 from random weights, and (b) a fresh head on the frozen
    pretrained features, with the same optimizer, learning rate and number of steps, and
    measure accuracy on the 360 test digits.
    """),
    ("code", """
    results = {}
    for per_class in (2, 10):
        for seed in range(3):
            idx = few_labels(per_class, seed)
            sn.manual_seed(seed)
            scratch = fit(lenet5(), x_train[idx], y_train[idx])
            transfer = fit(new_head(seed), f_train[idx], y_train[idx])
            results.setdefault(per_class, []).append(
                (accuracy(scratch, x_test, y_test), accuracy(transfer, f_test, y_test)))
    for per_class, rows in results.items():
        s, t = np.mean(rows, axis=0)
        print(f"{per_class:>2} per class: from scratch {s:.1%}, transferred {t:.1%}  "
              f"(runs: {[f'{a:.2f}/{b:.2f}' for a, b in rows]})")
    """),
    ("code", """
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ns = list(results)
    for k, (label, color) in enumerate((("from scratch", "tab:gray"),
                                        ("frozen pretrained features", "tab:blue"))):
        means = [np.mean([r[k] for r in results[n]]) for n in ns]
        ax.bar(np.arange(len(ns)) + 0.38 * k, means, width=0.36, label=label, color=color)
        for n_i, n in enumerate(ns):
            ax.scatter([n_i + 0.38 * k] * 3, [r[k] for r in results[n]], color="k", s=8)
    ax.set_xticks(np.arange(len(ns)) + 0.19, [f"{n} per class" for n in ns])
    ax.set_ylim(0.5, 1.0); ax.set_ylabel("test accuracy (360 digits)")
    ax.legend(loc="lower right"); ax.set_title("few labels: transfer vs scratch")
    plt.show()
    """),
    ("md", """
    **What to look at:** the blue bars (pretrained features, new head) stand above the grey
    ones (random start) at both sizes; the black dots are the single runs, which scatter a
    lot with so few images. Features learnt on *clothes* help with *digits*: edges and strokes
    are common to both. The gap is largest with the fewest labels; with many labels a network
    trained from scratch catches up, as the course says. (Clothes and digits are different
    domains: a source closer to the target, e.g. other handwriting, would help more.)
    """),
    ("code", """
    for per_class, rows in results.items():
        s, t = np.mean(rows, axis=0)
        assert t > s, (per_class, s, t)          # the claim above, checked
    """),
    ("md", """
    ## Fine-tuning: unfreeze and train a little more, gently

    After the head has learnt, we may unfreeze the features and train the whole network with
    a learning rate ten times smaller, so that the pretrained filters move only a little.
    (Fine-tuning before the head has learnt would send large, random gradients from the new
    head into the good features.)
    """),
    ("code", """
    idx = few_labels(10, 0)
    tuned = lenet5(weights="fashion_mnist")
    tuned.features.requires_grad_(False)
    tuned.classifier = new_head(0)
    fit(tuned.classifier, f_train[idx], y_train[idx])       # 1. head only (stored features)
    head_only = accuracy(tuned, x_test, y_test)
    before = tuned.features[0].weight.numpy().copy()
    tuned.features.requires_grad_(True)                     # 2. unfreeze everything
    fit(tuned, x_train[idx], y_train[idx], steps=40, lr=1e-4)
    fine_tuned = accuracy(tuned, x_test, y_test)
    moved = np.abs(tuned.features[0].weight.numpy() - before).max()
    print(f"head only {head_only:.1%} -> fine-tuned {fine_tuned:.1%}; "
          f"largest change of a first-layer weight: {moved:.4f} "
          f"(weights are about {np.abs(before).mean():.2f} on average)")
    assert 0 < moved < 0.05 * np.abs(before).max()
    print(f"notebook ran in {time.perf_counter() - start:.1f} s")
    """),
    ("md", """
    **What to look at:** the filters moved, but only by a few percent of their size: fine-tuning
    adjusts the pretrained features to digits without erasing them. Whether it gains accuracy
    over the head alone depends on the data; with 100 images it is a small change either way.

    **Summary.** `lenet5(weights="fashion_mnist")` loads pretrained weights;
    `module.requires_grad_(False)` freezes; assigning `model.classifier = ...` replaces the
    head; an optimizer given only the parameters that require gradients trains only those.
    Prepare the new inputs the way the pretrained network's inputs were prepared
    (`weights.meta["mean"]`, `["std"]`, the image size).
    """),
]

# ------------------------------------------------------------------------------ 12
TEXT = [
    ("md", """
    # 12. Text and sequences: tokens, a vocabulary, padding, multi-hot vectors, an RNN

    A network takes numbers, so text must become numbers first. The steps, each with the
    name the field uses:

    1. **tokenise**: split a string into tokens (`get_tokenizer("basic_english")`);
    2. build a **vocabulary**: a numbered list of the known tokens, with special tokens for
       padding (`<pad>`) and for words never seen (`<unk>`) (`build_vocab_from_iterator`);
    3. **pad** the sequences of indices to one length, so that a batch is a matrix
       (`pad_sequences`);
    4. either **multi-hot** vectors (which words occur: `vectorize_sequences`, the course's
       IMDB listing), or an **embedding** and a **recurrent network** that reads the words in
       order.

    The corpus is made here, with no download: short film reviews built from a few phrases.
    It is built so that *word order matters*: "the plot was good and the acting was not bad"
    (positive) and "the plot was bad and the acting was not good" (negative) contain exactly
    the same words. A bag of words cannot tell them apart; a network that reads in order can.
    """),
    ("code", """
    import time
    import numpy as np
    import matplotlib.pyplot as plt
    import scratchnet as sn
    from scratchnet import nn
    from scratchnet.data import (build_vocab_from_iterator, get_tokenizer, pad_sequences,
                                 sliding_windows, vectorize_sequences, Tokenizer)

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    POSITIVE = ["good", "great", "fine", "superb", "moving"]
    NEGATIVE = ["bad", "awful", "dull", "poor", "boring"]
    SUBJECTS = ["film", "plot", "acting", "music", "cast", "ending"]

    def clause(positive):
        negated = rng.random() < 0.5                      # "not bad" is positive
        adjective = rng.choice(NEGATIVE if positive == negated else POSITIVE)
        return f"the {rng.choice(SUBJECTS)} was {'not ' if negated else ''}{adjective}"

    def review():
        label = int(rng.random() < 0.5)                   # 1 = positive
        text = clause(label) + rng.choice([" and ", ", and ", ". ", "; "]) + clause(label)
        return text.capitalize() + rng.choice([".", "!", "...", " <br />"]), label

    texts, labels = zip(*[review() for _ in range(1000)])
    labels = np.array(labels)
    for t, y in zip(texts[:4], labels):
        print("positive" if y else "negative", "|", t)
    """),
    ("md", """
    ## 1. Tokenising

    `basic_english` (torchtext's rules) lower-cases, makes `. , ( ) ! ? '` tokens of their
    own and drops `"`, `;`, `:` and the `<br />` line breaks that IMDB reviews are full of.
    Keras' `Tokenizer` does the same job in the other style of the course: it drops all
    punctuation and numbers words from 1 by frequency.
    """),
    ("code", """
    tokenize = get_tokenizer("basic_english")
    print(tokenize(texts[0]))
    print(tokenize("Not BAD at all: (really) good!<br />"))

    keras_style = Tokenizer(num_words=20, oov_token="<OOV>")
    keras_style.fit_on_texts(texts[:800])
    print(keras_style.texts_to_sequences([texts[0]]))
    print(list(keras_style.word_index.items())[:8])
    assert tokenize("Not BAD at all: (really) good!<br />") == [
        "not", "bad", "at", "all", "(", "really", ")", "good", "!"]
    """),
    ("md", """
    ## 2. A vocabulary with `<pad>` and `<unk>`

    We build it from the **training** reviews only (the first 800), as a real model never sees
    its test set in advance. `<pad>` gets index 0 and `<unk>` index 1; every other token is
    numbered by decreasing frequency. `set_default_index` says where unknown tokens go
    (without it, an unknown token is an error).
    """),
    ("code", """
    train_idx, test_idx = np.arange(800), np.arange(800, 1000)
    vocab = build_vocab_from_iterator((tokenize(texts[i]) for i in train_idx),
                                      specials=["<pad>", "<unk>"])
    vocab.set_default_index(vocab["<unk>"])
    print(len(vocab), "tokens:", vocab.get_itos())
    print(vocab(tokenize("The soundtrack was not good")))  # 'soundtrack' is unknown -> 1

    counts = {}
    for i in train_idx:
        for tok in tokenize(texts[i]):
            counts[tok] = counts.get(tok, 0) + 1
    words = vocab.get_itos()[2:]
    fig, ax = plt.subplots(figsize=(9, 2.8))
    ax.bar(range(len(words)), [counts[w] for w in words], color="tab:blue")
    ax.set_xticks(range(len(words)), words, rotation=90)
    ax.set_ylabel("count in 800 reviews"); ax.set_title("the vocabulary, by frequency")
    plt.show()
    """),
    ("md", """
    **What to look at:** the index of a word is its rank in this bar chart (plus the two
    specials). The frame words (`the`, `was`) come first; in a real corpus the long tail of
    rare words is cut with `min_freq` or `max_tokens`, and those words become `<unk>`.

    ## 3. Padding

    Reviews have different lengths; a batch needs one. `pad_sequences` (Keras' rules) adds
    `<pad>` (index 0) **in front** by default and cuts long sequences at the front too, so
    that the last words, which a recurrent network reads last, are kept.
    """),
    ("code", """
    sequences = [vocab(tokenize(t)) for t in texts]
    lengths = np.array([len(s) for s in sequences])
    maxlen = int(lengths.max())
    X = pad_sequences(sequences, maxlen=maxlen).astype(np.int64)
    print("lengths from", lengths.min(), "to", maxlen, "-> padded matrix", X.shape)
    print(pad_sequences([[5, 6, 7], [8]], maxlen=4).tolist(), "(pre)",
          pad_sequences([[5, 6, 7], [8]], maxlen=4, padding="post").tolist(), "(post)")

    fig, ax = plt.subplots(figsize=(7, 2.6))
    ax.imshow(X[:12], cmap="viridis", aspect="auto")
    ax.set_xlabel("position"); ax.set_ylabel("review"); ax.set_title("12 padded reviews")
    plt.show()
    assert (X[lengths < maxlen][:, 0] == vocab["<pad>"]).all()    # padding at the front
    """),
    ("md", """
    **What to look at:** the dark block at the left of the shorter rows is `<pad>` = 0; the
    words are aligned at the right end.

    ## 4a. Multi-hot vectors: which words occur

    The course's IMDB listing turns each review into a vector of `len(vocab)` zeros with a 1
    for every word present. Here it is as the book writes it, beside scratchnet's
    `vectorize_sequences`, which gives the same matrix in one vectorised step:
    """),
    ("code", """
    def vectorize_sequences_listing(sequences, dimension=10000):   # the course's listing
        results = np.zeros((len(sequences), dimension))
        for i, sequence in enumerate(sequences):
            results[i, sequence] = 1.
        return results

    multi_hot = vectorize_sequences(sequences, dimension=len(vocab))
    assert np.array_equal(multi_hot, vectorize_sequences_listing(sequences, len(vocab)))
    print(multi_hot.shape, multi_hot.dtype)
    print("review 0 as multi-hot:", multi_hot[0].astype(int))
    """),
    ("code", """
    loss_fn = nn.CrossEntropyLoss()

    def train(model, x, y, epochs, lr=1e-2, batch_size=50):
        opt = sn.optim.Adam(model.parameters(), lr=lr)
        for epoch in range(epochs):
            order = np.random.default_rng(epoch).permutation(len(y))
            for i in range(0, len(y), batch_size):
                b = order[i:i + batch_size]
                opt.zero_grad()
                loss = loss_fn(model(sn.tensor(x[b])), sn.tensor(y[b]))
                loss.backward()
                opt.step()
        return model

    def predict(model, x):
        model.eval()
        with sn.no_grad():
            out = model(sn.tensor(x)).numpy().argmax(1)
        model.train()
        return out

    # Reviews whose bag of words cannot give the answer: one 'not', one good and one bad word.
    def ambiguous(text):
        words = tokenize(text)
        return (words.count("not") == 1 and any(w in POSITIVE for w in words)
                and any(w in NEGATIVE for w in words))
    hard = np.array([ambiguous(texts[i]) for i in test_idx])

    sn.manual_seed(0)
    bag = nn.Sequential(nn.Linear(len(vocab), 32), nn.ReLU(), nn.Linear(32, 2))
    train(bag, multi_hot[train_idx], labels[train_idx], epochs=20)
    pred = predict(bag, multi_hot[test_idx])
    bag_acc, bag_hard = (pred == labels[test_idx]).mean(), (pred == labels[test_idx])[hard].mean()
    print(f"multi-hot network: test accuracy {bag_acc:.1%}; on the {hard.sum()} "
          f"order-dependent reviews {bag_hard:.1%}")
    """),
    ("md", """
    **What to look at:** the multi-hot network is right on the reviews whose words decide
    (both clauses plainly good, or plainly bad), and at chance (about 50 %) on the others,
    where the same words in another order mean the opposite: the multi-hot vector of
    "good ... not bad" equals that of "bad ... not good".

    ## 4b. An embedding and a recurrent network: reading in order

    `nn.Embedding(len(vocab), 16, padding_idx=0)` gives each token a learnt vector of 16
    numbers (the `<pad>` vector stays 0). A `GRU` reads the vectors one position at a time
    and carries a hidden state; its final state, after the last word, goes to a `Linear`
    layer. Pre-padding means the padding is read first and the words last, close to the
    output.
    """),
    ("code", """
    class ReviewRNN(nn.Module):
        def __init__(self, vocab_size, embedding_dim=16, hidden_size=32):
            super().__init__()
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            self.rnn = nn.GRU(embedding_dim, hidden_size, batch_first=True)
            self.out = nn.Linear(hidden_size, 2)

        def forward(self, x):                       # x: (N, T) token indices
            outputs, h_n = self.rnn(self.embedding(x))   # h_n: (layers, N, hidden)
            return self.out(h_n[-1])

    sn.manual_seed(0)
    rnn = ReviewRNN(len(vocab))
    curve = []
    for round_ in range(3):
        train(rnn, X[train_idx], labels[train_idx], epochs=2)
        pred = predict(rnn, X[test_idx])
        curve.append(((pred == labels[test_idx]).mean(), (pred == labels[test_idx])[hard].mean()))
        print(f"after {2 * (round_ + 1)} epochs: test accuracy {curve[-1][0]:.1%}, "
              f"order-dependent reviews {curve[-1][1]:.1%}")
    rnn_acc, rnn_hard = curve[-1]

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(["multi-hot\\nall", "multi-hot\\norder-dependent", "GRU\\nall", "GRU\\norder-dependent"],
           [bag_acc, bag_hard, rnn_acc, rnn_hard],
           color=["tab:gray", "tab:gray", "tab:blue", "tab:blue"])
    ax.axhline(0.5, color="k", ls="--", lw=1); ax.set_ylim(0, 1.05)
    ax.set_ylabel("test accuracy"); ax.set_title("bag of words vs reading in order")
    plt.show()
    """),
    ("md", """
    **What to look at:** the dashed line is chance. The multi-hot bars: high overall, at
    chance on the order-dependent reviews. The GRU bars: near 100 % on both, because it reads
    "not" *before* the adjective it flips.
    """),
    ("code", """
    assert bag_hard < 0.65 and bag_acc < 0.85          # a bag of words cannot read order
    assert rnn_acc > 0.95 and rnn_hard > 0.95          # the recurrent network can
    """),
    ("md", """
    ### What the embedding learnt

    Each word is now a point in 16 dimensions. Projected onto its two main directions (PCA by
    SVD), the adjectives should fall into two groups by their sentiment; nobody told the
    network which words are positive, only which *reviews* were.
    """),
    ("code", """
    E = rnn.embedding.weight.numpy()
    shown = POSITIVE + NEGATIVE + ["not"]
    idx = [vocab[w] for w in shown]
    centred = E[idx] - E[idx].mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ vt[:2].T
    fig, ax = plt.subplots(figsize=(4.5, 3.5))
    colors = ["tab:green"] * len(POSITIVE) + ["tab:red"] * len(NEGATIVE) + ["k"]
    ax.scatter(xy[:, 0], xy[:, 1], c=colors)
    for (px, py), w in zip(xy, shown):
        ax.annotate(w, (px, py), textcoords="offset points", xytext=(3, 3))
    ax.set_title("word embeddings, first two principal axes")
    plt.show()

    # sentiment splits along the first axis: every positive word on one side of every negative
    pos_x, neg_x = xy[:len(POSITIVE), 0], xy[len(POSITIVE):-1, 0]
    assert pos_x.min() > neg_x.max() or pos_x.max() < neg_x.min()
    """),
    ("md", """
    **What to look at:** green (positive) and red (negative) adjectives on opposite sides of
    the first axis; "not" somewhere of its own, since its role is to flip, not to carry a
    sentiment.

    ## Sequences that are not text: sliding windows

    A time series becomes supervised data by cutting it into windows: the inputs are
    `window` consecutive values and the target is the value `horizon` steps after the last
    one (`sliding_windows`, the windows of Keras' `timeseries_dataset_from_array`). A linear
    model on 12 past values forecasts a noisy seasonal series:
    """),
    ("code", """
    t = np.arange(400)
    series = (np.sin(2 * np.pi * t / 50) + 0.1 * rng.standard_normal(400)).astype(np.float32)
    x, y = sliding_windows(series, window=12, horizon=1)
    print("inputs", x.shape, "targets", y.shape, "; window 0 ends at", x[0, -1], "-> target",
          y[0], "= series[12]", series[12])
    split = 300                                           # the past trains, the future tests
    sn.manual_seed(0)
    linear = nn.Linear(12, 1)
    opt = sn.optim.Adam(linear.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.functional.mse_loss(linear(sn.tensor(x[:split])).reshape(-1),
                                      sn.tensor(y[:split]))
        loss.backward()
        opt.step()
    with sn.no_grad():
        forecast = linear(sn.tensor(x[split:])).numpy().reshape(-1)
    mse = float(np.mean((forecast - y[split:]) ** 2))
    naive = float(np.mean((x[split:, -1] - y[split:]) ** 2))     # "tomorrow = today"
    print(f"test MSE {mse:.4f}; repeating the last value: {naive:.4f}")

    fig, ax = plt.subplots(figsize=(8, 2.6))
    ax.plot(t[12 + split:], y[split:], label="series", color="k", lw=1)
    ax.plot(t[12 + split:], forecast, label="forecast (linear, 12 steps)", color="tab:blue")
    ax.legend(loc="upper right"); ax.set_title("one-step forecasts on the held-out future")
    plt.show()
    assert mse < naive
    print(f"notebook ran in {time.perf_counter() - start:.1f} s")
    """),
    ("md", """
    **What to look at:** the forecast follows the wave and ignores much of the noise: its error
    is below that of repeating the last value, because it averages over 12 noisy steps.

    **Summary.** `get_tokenizer` -> `build_vocab_from_iterator(specials=["<pad>", "<unk>"])` ->
    `vocab(tokens)` -> `pad_sequences` gives a matrix of token indices; `vectorize_sequences`
    gives a bag of words, which forgets the order; `nn.Embedding` + `nn.GRU` (or `LSTM`) reads
    the order. `sliding_windows` turns a series into (window, target) pairs.
    """),
]


if __name__ == "__main__":
    for name, cells in [("10_transfer_learning", TRANSFER),
                        ("12_text_and_sequences", TEXT)]:
        print(build(name, cells))
