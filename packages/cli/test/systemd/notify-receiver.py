"""A stand-in for systemd's notification socket: binds a unix datagram socket
and prints every assignment it receives, one per line. File descriptors sent
with BARRIER=1 are not accepted, so the kernel closes them and systemd-notify
stops waiting, as it does with the real manager."""
import socket
import sys

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
print("LISTENING", flush=True)
while True:
    data = sock.recv(65536)
    for line in data.decode("utf-8", "replace").split("\n"):
        if line:
            print(line, flush=True)
