"""The Python reference of bench/loader.sh: torchvision's ImageFolder + DataLoader (PIL decoding,
worker processes) with FixRes's transforms (imnet_finetune/transforms.py), one pass, images/s.
    /usr/bin/python3 bench/loader.py ROOT test|full SIZE WORKERS BATCH
"""
import resource
import sys
import time

import torch
import torchvision.transforms.functional as F
from torchvision import datasets, transforms


class Resize(transforms.Resize):
    """FixRes's Resize: the height is set to `size`, the width scaled (imnet_finetune/transforms.py)."""

    def __call__(self, img):
        w, h = img.size
        return F.resize(img, (self.size, int(self.size * w / h)), self.interpolation)


def main(root, kind, size, workers, batch):
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    if kind in ("test", "bicubic"):
        mode = F.InterpolationMode.BICUBIC if kind == "bicubic" else F.InterpolationMode.BILINEAR
        tf = transforms.Compose([Resize(int((256 / 224) * size), interpolation=mode), transforms.CenterCrop(size),
                                 transforms.ToTensor(), transforms.Normalize(mean, std)])
    else:
        tf = transforms.Compose([transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip(),
                                 transforms.ColorJitter(0.3, 0.3, 0.3), transforms.ToTensor(),
                                 transforms.Normalize(mean, std)])
    torch.set_num_threads(1)
    ds = datasets.ImageFolder(root, tf)
    loader = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=(kind not in ("test", "bicubic")), num_workers=workers)
    def cpu():  # this process and its reaped children (the DataLoader workers)
        own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    cpu_start = cpu()
    start = time.perf_counter()
    images = 0
    for x, _ in loader:
        images += x.shape[0]
    seconds = time.perf_counter() - start
    del loader  # joins the workers, so that their CPU time is counted
    used = cpu() - cpu_start
    print(f"images {images} seconds {seconds:.3f} images_per_second {images / seconds:.1f} "
          f"images_per_cpu_second {images / used:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
