"""In the style of PyTorch's "Training a Classifier" tutorial (transforms, DataLoader, a
small convnet, CrossEntropyLoss, SGD with momentum, torch.max for predictions, per-class
accuracy, saving and loading), on Fashion-MNIST (real data) scaled down to seconds.
Written for scratchnet; only the import lines are scratchnet's."""
import scratchnet as torch
import scratchnet.vision as torchvision
import scratchnet.vision.transforms as transforms
import scratchnet.nn as nn
import scratchnet.nn.functional as F
import scratchnet.optim as optim


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


def test_training_a_classifier(tmp_path):
    torch.manual_seed(0)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    batch_size = 32
    trainset = torchvision.datasets.FashionMNIST(root=None, train=True, download=False,
                                                 transform=transform)
    trainset = torch.utils.data.Subset(trainset, range(6000))
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size, shuffle=True,
                                              num_workers=0)
    testset = torchvision.datasets.FashionMNIST(root=None, train=False, download=False,
                                                transform=transform)
    testset = torch.utils.data.Subset(testset, range(1000))
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False)
    classes = ('T-shirt', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
               'Sneaker', 'Bag', 'Boot')

    dataiter = iter(trainloader)
    images, labels = next(dataiter)
    grid = torchvision.utils.make_grid(images)
    assert grid.shape[0] == 3
    assert len(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size))) > 0

    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(3):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()

    PATH = tmp_path / 'fashion_net.pth'
    torch.save(net.state_dict(), PATH)
    net = Net()
    net.load_state_dict(torch.load(PATH, weights_only=True))

    correct = 0
    total = 0
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predicted = torch.max(outputs, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    assert total == 1000
    assert correct / total > 0.75, correct / total

    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            outputs = net(images)
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    assert sum(correct_pred.values()) == correct
    assert sum(total_pred.values()) == total
