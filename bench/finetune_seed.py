#!/usr/bin/python3
"""The seed's fine-tuning loop (imnet_finetune/train.py, ResNet50 branch) on the CPU, timed.

Same recipe as `fixres finetune`: weights loaded from a {'model': {'module.' + name: tensor}}
checkpoint, every child but fc frozen, model.eval() + layer4[2].bn3.train() at every epoch,
ImageFolder through FixRes's test transform (Resize that sets the height to int(256/224*S),
CenterCrop, ToTensor, Normalize), DistributedSampler-style shuffling, SGD(momentum 0.9,
wd 1e-4, lr 8*base*batch/512), StepLR(30).step(epoch), CrossEntropyLoss.

Prints one JSON line: images/s of each epoch's training loop (evaluation not included).
    finetune_seed.py WEIGHTS TRAIN_DIR SIZE BATCH EPOCHS THREADS WORKERS
"""
import json
import sys
import time

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision import datasets, transforms


class FixResResize(transforms.Resize):
    def __call__(self, img):
        w, h = img.size
        return F.resize(img, (self.size, int(self.size * w / h)), self.interpolation)


def main(weights, train_dir, size, batch, epochs, threads, workers):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    transform = transforms.Compose([FixResResize(int((256 / 224) * size)), transforms.CenterCrop(size),
                                    transforms.ToTensor(),
                                    transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    train_set = datasets.ImageFolder(train_dir, transform=transform)
    sampler = torch.utils.data.distributed.DistributedSampler(train_set, num_replicas=1, rank=0)
    loader = torch.utils.data.DataLoader(train_set, batch_size=batch, num_workers=workers, sampler=sampler)

    model = torchvision.models.resnet50(pretrained=False)
    pretrained = torch.load(weights, map_location="cpu")["model"]
    model.load_state_dict({k: pretrained["module." + k] for k in model.state_dict()})
    for name, child in model.named_children():
        if "fc" not in name:
            for p in child.parameters():
                p.requires_grad = False
    optimizer = torch.optim.SGD(model.parameters(), lr=8.0 * 1e-3 * batch / 512.0, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30)
    criterion = torch.nn.CrossEntropyLoss()
    rates = []
    for epoch in range(epochs):
        model.eval()
        model.layer4[2].bn3.train()
        scheduler.step(epoch)
        seen = 0
        start = time.perf_counter()
        for images, labels in loader:
            outputs = model(images)
            loss = criterion(outputs, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()
            seen += images.shape[0]
        rates.append(seen / (time.perf_counter() - start))
    print(json.dumps({"images_per_second": rates}))


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]))
