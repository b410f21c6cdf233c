// The pod sandbox's pause container: holds the pod's namespaces and does nothing until it is
// told to stop. A static Go build, so the image needs no libc; containerd runs it as the
// sandbox image of every pod on the local node (cluster/node.ts).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	// As PID 1 of the pod it must also reap children that a shared PID namespace leaves to it.
	go func() {
		children := make(chan os.Signal, 1)
		signal.Notify(children, syscall.SIGCHLD)
		for range children {
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
		}
	}()
	<-stop
}
