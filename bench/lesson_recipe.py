"""The fast.ai lesson's own recipe, as the notebook runs it, for the training benchmark's reference:
DataBlock(ImageBlock, CategoryBlock, RandomSplitter(0.2, seed=42), parent_label, Resize(192, squish)),
vision_learner(dls, <arch>, metrics=error_rate).fine_tune(3), with the same pretrained weights as the jobs."""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastai.vision.all import (  # noqa: E402
    CategoryBlock,
    DataBlock,
    ImageBlock,
    RandomSplitter,
    Resize,
    error_rate,
    get_image_files,
    parent_label,
    set_seed,
    vision_learner,
)

from classifier.pipeline.train import ARCH, pretrained_weights  # noqa: E402


def main(dataset: Path, cache: Path, epochs: int) -> None:
    weights = pretrained_weights(cache)
    set_seed(42)  # as the jobs do, so accuracies compare the recipes, not the luck of the draw
    started = time.monotonic()
    dls = DataBlock(
        blocks=(ImageBlock, CategoryBlock),
        get_items=get_image_files,
        splitter=RandomSplitter(valid_pct=0.2, seed=42),
        get_y=parent_label,
        item_tfms=[Resize(192, method="squish")],
    ).dataloaders(dataset, bs=32)
    learn = vision_learner(
        dls, ARCH, pretrained=True, pretrained_cfg_overlay=dict(file=str(weights)), metrics=error_rate
    )
    with learn.no_bar(), learn.no_logging():
        learn.fine_tune(epochs)
    seconds = time.monotonic() - started
    _, err = learn.validate()
    print(json.dumps({"seconds": round(seconds, 1), "accuracy": round(1 - float(err), 4)}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 3)
