"""The Python reference of `fixres evaluate` for bench/evaluate.sh: FixRes's evaluation loop
(imnet_evaluate/train.py) on Debian's PyTorch — torchvision ImageFolder, PIL, FixRes's test
transform (Resize(int(256/224*S)) with FixRes's height-set rule, CenterCrop, ToTensor,
Normalize), a DataLoader with WORKERS worker processes, torchvision's resnet50 in eval mode under
no_grad, top-1/top-5 counted per batch. Prints one line:
    images N seconds T images_per_second R top1 P top5 Q
where T covers the loop (first batch requested to last logits), as fixres's JSON does.

    /usr/bin/python3 bench/evaluate_reference.py FOLDER WEIGHTS SIZE WORKERS THREADS BATCH
"""
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


def main(folder, weights, size, workers, threads, batch):
    torch.set_num_threads(threads)
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    transform = T.Compose([FixResResize(int((256 / 224) * size)), T.CenterCrop(size), T.ToTensor(),
                           T.Normalize(mean, std)])
    dataset = torchvision.datasets.ImageFolder(folder, transform=transform)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=False, num_workers=workers)
    model = torchvision.models.resnet50()
    state = torch.load(weights, map_location="cpu")["model"]
    model.load_state_dict({k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()})
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
    main(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]))
