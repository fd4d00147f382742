package fscommon

import (
	"errors"
	"time"
)

// ErrTimeout is returned by Poll when the deadline passes before the
// polled condition is met and the last attempt reported no error.
var ErrTimeout = errors.New("timed out")

// The kernel usually settles within a millisecond (a cgroup is freed, a
// freeze completes), so the first retries come quickly; the cap keeps a
// slow case from spinning.
const (
	firstDelay = 500 * time.Microsecond
	maxDelay   = 100 * time.Millisecond
)

// Poll calls try until it reports done or deadline passes, sleeping
// between calls with a delay that doubles from 0.5ms up to 100ms. try
// returns done=true to stop, with the final error (nil for success), or
// done=false to be called again, with the error worth reporting if that
// was the last chance. At the deadline Poll returns that error, or
// ErrTimeout if there was none. The last call happens at the deadline.
func Poll(deadline time.Time, try func() (done bool, err error)) error {
	delay := firstDelay
	for {
		done, err := try()
		if done {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			if err == nil {
				err = ErrTimeout
			}
			return err
		}
		time.Sleep(min(delay, left))
		delay = min(2*delay, maxDelay)
	}
}
