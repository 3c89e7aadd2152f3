"""In the style of PyTorch's "Neural Networks" tutorial: define a LeNet-like Net, look at its
parameters and graph, backpropagate, update by hand and with an optimizer.
Written for scratchnet; only the import lines are scratchnet's."""
import scratchnet as torch
import scratchnet.nn as nn
import scratchnet.nn.functional as F
import scratchnet.optim as optim


class Net(nn.Module):

    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, input):
        c1 = F.relu(self.conv1(input))
        s2 = F.max_pool2d(c1, (2, 2))
        c3 = F.relu(self.conv2(s2))
        s4 = F.max_pool2d(c3, 2)
        s4 = torch.flatten(s4, 1)
        f5 = F.relu(self.fc1(s4))
        f6 = F.relu(self.fc2(f5))
        return self.fc3(f6)


def test_define_inspect_backprop_update():
    torch.manual_seed(0)
    net = Net()
    params = list(net.parameters())
    assert len(params) == 10
    assert params[0].size() == torch.Size([6, 1, 5, 5])
    assert tuple(params[0].size()) == (6, 1, 5, 5)

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    assert out.size() == (1, 10)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    assert net.conv1.bias.grad is not None

    output = net(input)
    target = torch.randn(10)
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    assert loss.grad_fn is not None
    assert loss.grad_fn.next_functions[0][0] is not None
    assert loss.grad_fn.next_functions[0][0].next_functions[0][0] is not None

    net.zero_grad()
    assert net.conv1.bias.grad is None
    loss.backward()
    assert net.conv1.bias.grad.shape == (6,)

    learning_rate = 0.01
    before = loss.item()
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    assert criterion(net(input), target).item() < before

    optimizer = optim.SGD(net.parameters(), lr=0.01)
    for _ in range(20):
        optimizer.zero_grad()
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.75 * before
