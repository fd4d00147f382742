/* sdnotify MESSAGE: send MESSAGE as one datagram to $NOTIFY_SOCKET, as
 * sd_notify(3) does ("@name" is an abstract socket). Built static by the
 * notify tests and run inside their containers, whose busybox has no
 * datagram sender. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (argc != 2 || !path || !*path) {
		fprintf(stderr, "usage: NOTIFY_SOCKET=path sdnotify MESSAGE\n");
		return 2;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sdnotify: %s: path too long\n", path);
		return 1;
	}
	strcpy(sa.sun_path, path);
	len = offsetof(struct sockaddr_un, sun_path) + strlen(path);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, argv[1], strlen(argv[1]), 0, (struct sockaddr *)&sa, len) < 0) {
		fprintf(stderr, "sdnotify: send to %s: %m\n", path);
		return 1;
	}
	return 0;
}
