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
    **What to look at:** several filters are a band of positive weights beside a band of
    negative ones, i.e. an edge or bar detector at some orientation; with six 5x5 filters
    trained for ten epochs they are rougher than textbook pictures. Detectors of edges and
    strokes are not specific to clothes, which is why they can transfer.

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
    lot with so few images, so only the averages are worth comparing. Features learnt on
    *clothes* help with *digits*: edges and strokes are common to both. With many more labels
    a network trained from scratch catches up, as the course says. (Clothes and digits are
    different domains: a source closer to the target, e.g. other handwriting, would help
    more.)
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
    for round_ in range(3):                     # 3 x 2 epochs, each with a fresh Adam
        train(rnn, X[train_idx], labels[train_idx], epochs=2)
    pred = predict(rnn, X[test_idx])                # the test set, once, after training
    rnn_acc, rnn_hard = (pred == labels[test_idx]).mean(), (pred == labels[test_idx])[hard].mean()
    print(f"GRU after 6 epochs: test accuracy {rnn_acc:.1%}, order-dependent reviews "
          f"{rnn_hard:.1%}")

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

# ------------------------------------------------------------------------------ 13
BEYOND = [
    ("md", """
    # 13. Beyond classification: autoencoders, triplet-loss embeddings, optimising the input

    The same machinery (a network, a loss, gradients, an optimizer) does more than put labels
    on images. Three examples, each a change of *what the loss compares* or *what the
    gradient updates*:

    1. an **autoencoder** learns to reproduce its input through a narrow code: the target is
       the input itself, no labels needed;
    2. **triplet-loss embeddings** place images of the same class close together and others
       far apart: the loss compares distances, not classes;
    3. **optimising an input image** by its gradient, with the network frozen: the mechanism
       behind feature visualisation and neural style transfer.

    Data: the UCI digits shipped with scratchnet (8x8, values 0..16), and the LeNet-5 with
    Fashion-MNIST weights shipped with scratchnet for part 3.
    """),
    ("code", """
    import time
    import numpy as np
    import matplotlib.pyplot as plt
    import scratchnet as sn
    from scratchnet import nn
    from scratchnet.data.datasets import Digits

    start = time.perf_counter()
    train, test = Digits(train=True), Digits(train=False)
    x_train = sn.tensor(train.data.reshape(-1, 64).astype(np.float32) / 16.0)   # (1437, 64)
    x_test = sn.tensor(test.data.reshape(-1, 64).astype(np.float32) / 16.0)     # (360, 64)
    y_train, y_test = train.targets.astype(np.int64), test.targets.astype(np.int64)

    def show_digits(rows, titles, suptitle):
        fig, axes = plt.subplots(len(rows), len(rows[0]), figsize=(len(rows[0]) * 0.9,
                                                                  len(rows) * 1.0))
        for r, (row, title) in enumerate(zip(rows, titles)):
            for c, img in enumerate(row):
                axes[r, c].imshow(np.asarray(img).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
                axes[r, c].axis("off")
            axes[r, 0].set_title(title, loc="left", fontsize=9)
        fig.suptitle(suptitle)
        plt.show()
    """),
    ("md", """
    ## 1. An autoencoder: 64 pixels -> 2 numbers -> 64 pixels

    `Autoencoder((64, 32, 2))`: the encoder maps each 64-pixel digit to a **code** of just 2
    numbers, the decoder maps the code back to 64 pixels (a sigmoid keeps them in (0, 1)). The
    loss is the mean squared error between the reconstruction and the input.
    """),
    ("code", """
    sn.manual_seed(0)
    ae = sn.models.Autoencoder((64, 32, 2))
    opt = sn.optim.Adam(ae.parameters(), lr=3e-3)
    mse = nn.MSELoss()
    losses = []
    for epoch in range(40):
        order = np.random.default_rng(epoch).permutation(len(y_train))
        for i in range(0, len(order), 64):
            batch = x_train[order[i:i + 64]]
            opt.zero_grad()
            loss = mse(ae(batch), batch)
            loss.backward()
            opt.step()
        losses.append(float(loss))

    ae.eval()
    with sn.no_grad():
        recon = ae(x_test).numpy()
        codes = ae.encode(x_test).numpy()
    test_mse = float(np.mean((recon - x_test.numpy()) ** 2))
    mean_image_mse = float(np.mean((x_train.numpy().mean(0) - x_test.numpy()) ** 2))
    print(f"test MSE {test_mse:.4f}; predicting the mean digit every time: {mean_image_mse:.4f}")
    show_digits([x_test.numpy()[:10], recon[:10]], ["input", "reconstruction"],
                "autoencoder with a 2-number code")
    """),
    ("md", """
    **What to look at:** the reconstructions are blurred, typical versions of the inputs: two
    numbers cannot store every stroke, so the decoder draws the typical digit for that code.
    Its error is still clearly under that of always drawing the average digit.
    """),
    ("code", """
    fig, ax = plt.subplots(figsize=(4.8, 4))
    sc = ax.scatter(codes[:, 0], codes[:, 1], c=y_test, cmap="tab10", s=10)
    for d in range(10):
        cx, cy = np.median(codes[y_test == d], axis=0)
        ax.annotate(str(d), (cx, cy), fontsize=13, weight="bold")
    ax.set_title("the 2-number codes of the test digits (colour = true digit)")
    plt.show()
    assert test_mse < 0.75 * mean_image_mse
    """),
    ("md", """
    **What to look at:** the autoencoder was never told the labels, yet digits of the same
    class get nearby codes (the colours form regions, with overlaps between look-alikes):
    to reconstruct well, the code must describe what the digit *looks like*.

    ## 2. Triplet loss: an embedding where distance means "same class"

    A **triplet** is an *anchor*, a *positive* (another image of the same class) and a
    *negative* (an image of another class). `nn.TripletMarginLoss(margin=1)` is
    `max(0, d(anchor, positive) - d(anchor, negative) + margin)`: zero once the negative is
    at least `margin` farther away than the positive. Trained on many triplets, the network
    maps images to points such that classes form tight, separated clusters; a new image is
    then classified (or recognised, as faces are) by its **nearest neighbour**.
    """),
    ("code", """
    def triplets(labels, n, rng):
        anchors = rng.integers(0, len(labels), n)
        by_class = [np.flatnonzero(labels == c) for c in range(10)]
        positives = np.array([rng.choice(by_class[labels[a]]) for a in anchors])
        other = (labels[anchors] + rng.integers(1, 10, n)) % 10      # any other class
        negatives = np.array([rng.choice(by_class[c]) for c in other])
        return anchors, positives, negatives

    def nearest_neighbour_accuracy(embed):
        with sn.no_grad():
            e_train, e_test = embed(x_train).numpy(), embed(x_test).numpy()
        d = ((e_test[:, None, :] - e_train[None, :, :]) ** 2).sum(-1)
        return float((y_train[d.argmin(1)] == y_test).mean())

    sn.manual_seed(0)
    embed = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    before = nearest_neighbour_accuracy(embed)
    with sn.no_grad():
        e_before = embed(x_test).numpy()
    triplet_loss = nn.TripletMarginLoss(margin=1.0)
    opt = sn.optim.Adam(embed.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    for step in range(400):
        a, p, n = triplets(y_train, 128, rng)
        opt.zero_grad()
        loss = triplet_loss(embed(x_train[a]), embed(x_train[p]), embed(x_train[n]))
        loss.backward()
        opt.step()
    after = nearest_neighbour_accuracy(embed)
    with sn.no_grad():
        e_after = embed(x_test).numpy()
    print(f"1-nearest-neighbour accuracy in the 2-D embedding: {before:.1%} at random "
          f"initialisation -> {after:.1%} after triplet training (last loss {float(loss):.3f})")

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    for ax, e, title in ((axes[0], e_before, "random network"),
                         (axes[1], e_after, "after triplet training")):
        ax.scatter(e[:, 0], e[:, 1], c=y_test, cmap="tab10", s=8)
        for d in range(10):
            ax.annotate(str(d), tuple(np.median(e[y_test == d], axis=0)), fontsize=12,
                        weight="bold")
        ax.set_title(title)
    plt.show()
    assert after > 0.8 and after > before + 0.2
    """),
    ("md", """
    **What to look at:** on the left, the random network's points overlap; on the right, each
    digit is a cluster, the clusters apart by about the margin. Only *distances* were trained
    (no classifier, no softmax), yet the nearest training point of a test digit is usually of
    the right class. Classes never seen in training would also tend to form clusters: this is
    why face recognition uses embeddings, not a fixed list of classes.

    ## 3. Optimising the input: what excites a neuron, and style transfer

    So far the gradient updated the **weights**. It can update the **input** instead: freeze
    the network, make the image a tensor with `requires_grad=True`, define a loss on the
    network's activations, and let an optimizer change the pixels.

    First, a picture that the pretrained LeNet-5 (Fashion-MNIST) finds as "trouser" as
    possible: start from a grey image and maximise the trouser logit, with a small penalty on
    large pixel values so that the picture stays readable.
    """),
    ("code", """
    from scratchnet.models import lenet5
    net = lenet5(weights="fashion_mnist").eval()
    net.requires_grad_(False)                      # the network is fixed; only pixels move
    classes = sn.models.get_weight("lenet5").meta["class_names"]

    def dream(target, steps=60, lr=0.1, l2=0.05):
        image = sn.zeros(1, 1, 28, 28).requires_grad_(True)   # the mean image: plain grey
        opt = sn.optim.Adam([image], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            logits = net(image)
            loss = -logits[0, target] + l2 * (image ** 2).sum()
            loss.backward()                     # gradients reach the image, not the weights
            opt.step()
        with sn.no_grad():
            probability = float(nn.functional.softmax(net(image), dim=1)[0, target])
        return image.detach().numpy()[0, 0], probability

    targets = [1, 5, 8, 9]                      # trouser, sandal, bag, ankle boot
    dreams = [dream(t) for t in targets]
    fig, axes = plt.subplots(1, len(targets), figsize=(8, 2.6))
    for ax, t, (img, p) in zip(axes, targets, dreams):
        ax.imshow(img, cmap="gray"); ax.axis("off")
        ax.set_title(f"{classes[t]}: p = {p:.3f}", fontsize=9)
    fig.suptitle("grey images optimised to maximise one class of the pretrained LeNet-5",
                 y=1.02)
    plt.show()
    assert all(p > 0.99 for _, p in dreams)
    """),
    ("md", """
    **What to look at:** the network is more than 99 % sure of each picture, yet to a person
    they are grey with a few scattered strokes, nothing like a trouser or a boot: the
    optimiser found the few pixels that push that logit hardest. What a classifier responds
    to is not what a person would draw; the same gradient, aimed at fooling a network with an
    imperceptible change of a real image, makes *adversarial examples*.

    ### The mechanism of style transfer

    Gatys et al. (2015) optimise an image to match two things at once: the **content** of one
    image (the activations of a deep layer) and the **style** of another (the Gram matrices of
    several layers: which feature maps fire *together*, wherever they are). Here, with the
    small LeNet-5: content = a digit, style = diagonal stripes. The pixels start at the digit
    and move to keep its conv2 activations while taking on the stripes' feature statistics.
    """),
    ("code", """
    mean, std = sn.models.get_weight("lenet5").meta["mean"][0], sn.models.get_weight("lenet5").meta["std"][0]

    def to_net(img28):                          # [0, 1] pixels -> the network's input scale
        return (img28 - mean) / std

    digit = np.kron(test.data[3].astype(np.float32) / 16.0, np.ones((3, 3), np.float32))
    content_img = np.pad(digit, 2)                                            # 28x28
    yy, xx = np.mgrid[0:28, 0:28]
    style_img = (np.sin((xx + yy) * 2 * np.pi / 6) > 0).astype(np.float32)   # stripes

    def activations(x):
        out, x = [], x
        for i, layer in enumerate(net.features):
            x = layer(x)
            if i in (1, 4):                     # after each convolution's ReLU
                out.append(x)
        return out

    def gram(a):                                # (1, C, H, W) -> (C, C) co-activations
        f = a.reshape(a.shape[1], -1)
        return f @ f.T / f.shape[1]

    with sn.no_grad():
        content_target = activations(sn.tensor(to_net(content_img))[None, None])[1]
        style_targets = [gram(a) for a in activations(sn.tensor(to_net(style_img))[None, None])]

    def losses(image):
        acts = activations(to_net(image))
        content = ((acts[1] - content_target) ** 2).mean()
        style = sum(((gram(a) - g) ** 2).mean() for a, g in zip(acts, style_targets))
        return content, style

    image = sn.tensor(content_img[None, None].copy()).requires_grad_(True)
    opt = sn.optim.Adam([image], lr=0.02)
    with sn.no_grad():
        content0, style0 = (float(v) for v in losses(image))
    for step in range(150):
        opt.zero_grad()
        content, style = losses(image)
        (content + 3 * style).backward()
        opt.step()
        with sn.no_grad():
            image.clamp_(0, 1)                  # stay a valid image
    content1, style1 = float(content), float(style)
    print(f"style loss {style0:.4f} -> {style1:.4f}; content loss {content0:.4f} -> {content1:.4f}")

    fig, axes = plt.subplots(1, 3, figsize=(7, 2.6))
    for ax, img, title in zip(axes, (content_img, style_img, image.detach().numpy()[0, 0]),
                              ("content", "style", "result")):
        ax.imshow(img, cmap="gray", vmin=0, vmax=1); ax.set_title(title); ax.axis("off")
    plt.show()
    result = image.detach().numpy()[0, 0]
    still_the_digit = np.corrcoef(result.ravel(), content_img.ravel())[0, 1]
    print(f"correlation of the result with the content image: {still_the_digit:.2f}")
    assert style1 < 0.5 * style0                # the style statistics moved toward the stripes
    assert still_the_digit > 0.5                # ... and the digit is still there
    print(f"notebook ran in {time.perf_counter() - start:.1f} s")
    """),
    ("md", """
    **What to look at:** the result keeps the digit's shape (the content term) while its
    strokes and background take on diagonal texture (the style term); the printed losses show
    the style distance falling by more than half while the content distance, zero at the
    start, grows only as far as the trade-off (the weight 3 on style) allows, and the result
    stays correlated with the digit. With a deep network
    trained on photographs (VGG in the original paper) the same few lines paint one photo in
    the manner of a painting.

    **Summary.** Change what the loss compares (input vs reconstruction; distances between
    embeddings) or what the gradient updates (pixels instead of weights), and the same
    autograd and optimizers do unsupervised learning, metric learning and image synthesis.
    """),
]

# ------------------------------------------------------------------------------ 14
GPU = [
    ("md", """
    # 14. The GPU: the same training on CuPy, and what host-device copies cost

    scratchnet computes with NumPy on the CPU and with **CuPy** on an NVIDIA GPU. Every op
    takes its array module from its inputs, so the *same* model code runs on either; what
    changes is **where the tensors live**: `tensor.to("cuda")`, `model.to("cuda")`,
    `DataLoader(..., device="cuda")`.

    A GPU is fast at big array operations but sits on the other side of a bus: every copy
    between host (CPU) memory and device (GPU) memory costs a fixed latency plus time per
    byte, and every kernel launch costs a few microseconds. The rule that follows: **move the
    data once, keep it there, and copy back only what you need to look at.**

    This notebook runs anywhere. Without CuPy and a GPU, it says so and runs every cell on
    the CPU; the timings then compare the CPU with itself, and only the GPU run shows the
    speed-up.
    """),
    ("code", """
    import time
    import numpy as np
    import matplotlib.pyplot as plt
    import scratchnet as sn
    from scratchnet import nn
    from scratchnet.data.datasets import Digits

    start = time.perf_counter()
    HAVE_GPU = sn.cuda.is_available()
    device = "cuda" if HAVE_GPU else "cpu"
    if HAVE_GPU:
        print("GPU found:", sn.cuda.get_device_name(), "- the device cells run on it")
    else:
        print("No GPU here (CuPy missing or no CUDA device): every cell runs on the CPU, and "
              "the 'device' below is the CPU itself.")

    def synchronize():
        # GPU work is asynchronous: without waiting for it, a timer measures only the launch.
        if HAVE_GPU:
            sn.cuda.synchronize()

    def timed(fn, repeat=5):
        # The median of a few runs after one warm-up (the first GPU call compiles kernels).
        fn(); synchronize()
        times = []
        for _ in range(repeat):
            t = time.perf_counter(); fn(); synchronize()
            times.append(time.perf_counter() - t)
        return float(np.median(times))
    """),
    ("md", """
    ## 1. Where a tensor lives

    `tensor.device` tells; `.to(device)` returns a copy on another device (the same tensor if
    it is already there); `.numpy()` / `.cpu()` bring data back to the host. An op whose
    inputs live on different devices is an error that names both, never a silent copy.
    """),
    ("code", """
    x_host = sn.randn(1000, 1000)
    x_dev = x_host.to(device)
    print("x_host on", x_host.device, "| x_dev on", x_dev.device)
    y = (x_dev @ x_dev).sum()                 # computed where x_dev lives
    print("result on", y.device, "->", float(y))   # float() copies one number back
    if HAVE_GPU:
        try:
            x_host + x_dev
        except Exception as error:
            print("mixing devices:", error)
    assert np.allclose(float(y), float((x_host @ x_host).sum()), rtol=1e-3)
    """),
    ("md", """
    **What to look at:** the same expression gives the same number on either device (the
    check cell compares them; float32 sums in another order differ only in the last digits).

    ## 2. The cost of a copy

    We time copies host -> device and back for arrays from 4 KB to 16 MB. On a GPU, a copy
    costs about `latency + bytes / bandwidth`: for small arrays the fixed latency (tens of
    microseconds) dominates, for large ones the bandwidth (GB/s over PCIe or NVLink). On
    the CPU there is no bus to cross: `.to("cpu")` of a CPU tensor is free, so we time a
    plain memory copy instead, to show the same shape of curve.
    """),
    ("code", """
    sizes = [2 ** k for k in range(10, 24, 2)]            # float32 elements: 4 KB .. 16 MB
    to_device, to_host = [], []
    for n in sizes:
        host = np.ones(n, np.float32)
        if HAVE_GPU:
            dev = sn.tensor(host, device="cuda")
            to_device.append(timed(lambda: sn.tensor(host, device="cuda")))
            to_host.append(timed(lambda: dev.numpy()))
        else:
            to_device.append(timed(lambda: host.copy()))
            to_host.append(to_device[-1])
    mbytes = np.array(sizes) * 4 / 1e6
    for mb, a, b in zip(mbytes, to_device, to_host):
        print(f"{mb:9.3f} MB: to device {a * 1e6:9.1f} us ({mb / 1e3 / a:6.2f} GB/s), "
              f"back {b * 1e6:9.1f} us")

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.loglog(mbytes, np.array(to_device) * 1e6, "o-", label="host -> device" if HAVE_GPU
              else "memory copy (CPU only)")
    if HAVE_GPU:
        ax.loglog(mbytes, np.array(to_host) * 1e6, "s-", label="device -> host")
    ax.set_xlabel("MB copied"); ax.set_ylabel("microseconds")
    ax.set_title("copy time against size" + ("" if HAVE_GPU else " (no GPU: CPU memory copy)"))
    ax.legend()
    plt.show()
    """),
    ("md", """
    **What to look at:** the left part of the curve is flat (a fixed cost per copy, however
    small), the right part rises in step with the size (bandwidth). So many small copies cost
    far more than one large copy of the same bytes: copy a whole data set, or at least a whole
    batch, at once.

    ## 3. The same training, two ways of feeding the device

    A small MLP on the UCI digits, trained with the same seed (a) with each mini-batch
    copied from host memory to the device at every step, as a naive loop does, and (b) with
    the whole (small) data set moved to the device once, batches sliced there. The
    computation is the same, so the losses must be identical; only the copies differ.
    """),
    ("code", """
    digits = Digits(train=True)
    X = digits.data.reshape(-1, 64).astype(np.float32) / 16.0
    Y = digits.targets.astype(np.int64)
    EPOCHS, BATCH = 5, 64

    def run(feed):
        sn.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
        opt = sn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        loss_fn = nn.CrossEntropyLoss()
        X_dev, Y_dev = sn.tensor(X, device=device), sn.tensor(Y, device=device)
        losses = []
        t = time.perf_counter()
        for epoch in range(EPOCHS):
            order = np.random.default_rng(epoch).permutation(len(Y))
            for i in range(0, len(Y), BATCH):
                b = order[i:i + BATCH]
                if feed == "copy every batch":
                    xb, yb = sn.tensor(X[b], device=device), sn.tensor(Y[b], device=device)
                else:                               # data already on the device
                    idx = sn.tensor(b, device=device)
                    xb, yb = X_dev[idx], Y_dev[idx]
                opt.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                opt.step()
            losses.append(float(loss))              # one number back per epoch, not per step
        synchronize()
        return losses, time.perf_counter() - t

    runs = {feed: run(feed) for feed in ("copy every batch", "data on the device")}
    for feed, (losses, seconds) in runs.items():
        print(f"{feed:>18} on {device}: {seconds:.2f} s, losses {np.round(losses, 4)}")
    assert np.allclose(runs["copy every batch"][0], runs["data on the device"][0], rtol=1e-5)
    """),
    ("md", """
    **What to look at:** the two loss sequences are the same, number for number: where the
    data sits changes the time, not the result. On a GPU, the copy-every-batch loop pays the
    copy latency twice per step; with a model this small that can be a large share of the
    step. (On the CPU both ways are copies in the same memory and take about the same time.)
    `DataLoader(dataset, device="cuda")` does the per-batch copy for you, from pinned memory
    and one batch ahead on a separate stream, so that it overlaps the computation.

    ## 4. When does the GPU pay off?

    A GPU wins when each operation has enough work to fill it. We time one matrix product of
    growing size on the CPU and, when present, on the GPU:
    """),
    ("code", """
    ns = [64, 256, 1024, 2048]
    cpu_t, dev_t = [], []
    for n in ns:
        a = sn.randn(n, n)
        cpu_t.append(timed(lambda: a @ a, repeat=3))
        if HAVE_GPU:
            a_dev = a.to("cuda")
            dev_t.append(timed(lambda: a_dev @ a_dev, repeat=3))
    for i, n in enumerate(ns):
        gflops = 2 * n ** 3 / 1e9
        line = f"{n:5d}x{n:<5d} CPU {cpu_t[i] * 1e3:8.2f} ms ({gflops / cpu_t[i]:7.1f} GFLOP/s)"
        if HAVE_GPU:
            line += (f" | GPU {dev_t[i] * 1e3:8.3f} ms ({gflops / dev_t[i]:8.1f} GFLOP/s), "
                     f"{cpu_t[i] / dev_t[i]:.0f}x")
        print(line)

    fig, ax = plt.subplots(figsize=(5.5, 3.4))
    ax.loglog(ns, np.array(cpu_t) * 1e3, "o-", label="CPU (NumPy)")
    if HAVE_GPU:
        ax.loglog(ns, np.array(dev_t) * 1e3, "s-", label="GPU (CuPy)")
    ax.set_xlabel("n (n x n matrix product)"); ax.set_ylabel("ms")
    ax.set_title("matrix product time" + ("" if HAVE_GPU else " (no GPU: CPU only)"))
    ax.legend()
    plt.show()
    print("GPU present:", HAVE_GPU, f"- notebook ran in {time.perf_counter() - start:.1f} s")
    """),
    ("md", """
    **What to look at:** the CPU time grows like n^3 once the matrices are large. On a GPU,
    small products take about the same few microseconds whatever their size (launch cost),
    and the GPU's lead grows with n (typically to one or two orders of magnitude at 2048 on
    a data-centre GPU; the printed ratios say what this machine does). That is why a tiny MLP
    gains little from a GPU while a convolutional network on large batches gains a lot.

    **Summary.** `device = "cuda" if sn.cuda.is_available() else "cpu"`; `model.to(device)`;
    put the data on the device once (or let `DataLoader(device=...)` copy batches ahead);
    bring back only numbers you print (`float(loss)` once per epoch, not per step); time GPU
    code only after `sn.cuda.synchronize()`.
    """),
]


if __name__ == "__main__":
    for name, cells in [("10_transfer_learning", TRANSFER),
                        ("12_text_and_sequences", TEXT),
                        ("13_beyond_classification", BEYOND),
                        ("14_gpu", GPU)]:
        print(build(name, cells))
