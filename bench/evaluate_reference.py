"""The Python reference of `fixres evaluate` for bench/evaluate.sh: FixRes's evaluation loop
(imnet_evaluate/train.py) on Debian's PyTorch — torchvision ImageFolder, PIL, the test transform,
a DataLoader with WORKERS worker processes, the network in eval mode under no_grad, top-1/top-5
counted per batch. ARCH ResNet50: torchvision's resnet50 and FixRes's transform
(Resize(int(256/224*S)) with FixRes's height-set rule, CenterCrop, ToTensor, Normalize). Any
other ARCH: timm v0.9.2's model of that name (FIXRES_REFS, as tools/fixtures/models.py
describes) and timm's own eval transform for it (resolve_data_config + create_transform: shorter
side to floor(S / crop_pct), bicubic, CenterCrop), as timm's validate.py. Prints one line:
    images N seconds T images_per_second R top1 P top5 Q
where T covers the loop (first batch requested to last logits), as fixres's JSON does.

    /usr/bin/python3 bench/evaluate_reference.py FOLDER WEIGHTS SIZE WORKERS THREADS BATCH [ARCH]
"""
import os
import pathlib
import sys
import time

import torch
import torchvision
from torchvision import transforms as T
from torchvision.transforms import functional as F


class FixResResize:
    """imnet_evaluate/transforms.py Resize: the height becomes `size`, the width follows."""

    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        w, h = img.size
        return F.resize(img, [self.size, int(self.size * w / h)])


def network_and_transform(arch, size):
    if arch == "ResNet50":
        mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
        return torchvision.models.resnet50(), T.Compose([FixResResize(int((256 / 224) * size)), T.CenterCrop(size),
                                                         T.ToTensor(), T.Normalize(mean, std)])
    sys.path.insert(0, str(pathlib.Path(os.environ.get("FIXRES_REFS", "/tmp/refs")) / "timm"))
    import timm
    # The pretrained tag whose eval transform the registry row follows (ConvNeXt's first tag in
    # timm 0.9.2 is in12k_ft_in1k, crop 0.95; the row is the FB ImageNet-1k weights', 0.875).
    tagged = arch + (".fb_in1k" if arch.startswith("convnext") else "")
    model = timm.create_model(tagged, pretrained=False)
    if model.default_cfg["input_size"][-1] != size and hasattr(model, "pos_embed"):
        model = timm.create_model(tagged, pretrained=False, img_size=size)
    config = timm.data.resolve_data_config({"input_size": (3, size, size)}, model=model)
    return model, timm.data.create_transform(**config)


def load(model, weights, arch, size):
    state = torch.load(weights, map_location="cpu")["model"]
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    if arch != "ResNet50" and hasattr(model, "pos_embed"):
        from timm.models.vision_transformer import checkpoint_filter_fn
        state = checkpoint_filter_fn(state, model)  # the position embedding at `size`, as timm loads it
    model.load_state_dict(state)


def main(folder, weights, size, workers, threads, batch, arch="ResNet50"):
    torch.set_num_threads(threads)
    model, transform = network_and_transform(arch, size)
    dataset = torchvision.datasets.ImageFolder(folder, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=False, num_workers=workers)
    load(model, weights, arch, size)
    model.eval()
    top1 = top5 = n = 0
    start = time.perf_counter()
    with torch.no_grad():
        for images, labels in loader:
            pred = model(images).topk(5, 1).indices
            top1 += int((pred[:, 0] == labels).sum())
            top5 += int((pred == labels[:, None]).any(1).sum())
            n += len(labels)
    seconds = time.perf_counter() - start
    print(f"images {n} seconds {seconds:.3f} images_per_second {n / seconds:.2f} "
          f"top1 {100.0 * top1 / n:.2f} top5 {100.0 * top5 / n:.2f}")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), *a[6:7])
