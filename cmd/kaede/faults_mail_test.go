package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kaede/internal/db"
	"kaede/internal/mail/smtptest"
	"kaede/internal/testenv"
)

// campaignSize is how many customers the fault tests' campaigns write to.
const campaignSize = 60

// deliveredWithin bounds a campaign's delivery after the fault, retries
// included: River retries a failed delivery after about 1 s, then 16 s.
const deliveredWithin = 45 * time.Second

// TestSMTPDownDuringCampaign takes the mail server down while the store
// delivers an incident campaign's e-mails, and brings it back once the
// store has been refused: every customer gets the notice exactly once.
func TestSMTPDownDuringCampaign(t *testing.T) {
	dir, d, id := campaignStore(t)
	peer := smtptest.Start(t)
	peer.DownAfter(campaignSize / 4)
	startKaede(t, []string{"KAEDE_SMTP_URL=smtp://" + peer.Addr}, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	notifyCampaign(t, dir, id)

	select {
	case <-peer.WentDown():
	case <-time.After(deliveredWithin):
		t.Fatalf("the SMTP server got %d messages, never %d", peer.Received(), campaignSize/4)
	}
	// The server stays down until the store has tried every e-mail left
	// and been refused.
	down := peer.Received()
	testenv.WaitFor(t, deliveredWithin, "every e-mail left refused while the SMTP server is down", func() bool {
		return countMail(t, d, `status = 'queued' AND last_error <> ''`) == campaignSize-down
	})
	peer.Up(t)
	waitDelivered(t, d)
	t.Logf("%d delivered before the server went down, %d refused while it was down; all %d delivered after it came back",
		down, campaignSize-down, campaignSize)
	checkOncePerCustomer(t, peer)
}

// campaignStore seeds a demo store in a new data directory, stops it, and
// prepares an incident campaign to campaignSize customers in its
// database, which it returns open.
func campaignStore(t *testing.T) (string, *db.DB, int64) {
	t.Helper()
	dir := t.TempDir()
	startKaede(t, nil, "demo", "--addr", "127.0.0.1:0", "--data", dir).stop(t)
	d := openStore(t, filepath.Join(dir, "kaede.db"))
	looseLimitsIn(t, d) // no cap on e-mails per recipient an hour
	return dir, d, prepareCampaign(t, d, campaignSize)
}

// notifyCampaign queues the campaign's e-mails as the operator does, with
// "kaede incident notify" in a process of its own; the running store
// delivers them.
func notifyCampaign(t *testing.T, dir string, id int64) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "incident", "notify", fmt.Sprint(id), "--skip-test", "--data", dir)
	cmd.Env = append(os.Environ(), envRunAsKaede+"=1")
	out, err := cmd.CombinedOutput()
	if want := fmt.Sprintf("queued %d, skipped 0", campaignSize); err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("kaede incident notify: %v, want %q in:\n%s", err, want, out)
	}
}

// countMail counts the campaign's e-mails (to the customers
// prepareCampaign made) that match cond.
func countMail(t *testing.T, d *db.DB, cond string) int {
	t.Helper()
	var n int
	if err := d.QueryRow(`SELECT COUNT(*) FROM mail_messages WHERE to_addr LIKE '%@example.jp' AND to_addr LIKE 'c%' AND ` + cond).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitDelivered waits until the store has recorded every campaign e-mail
// as sent.
func waitDelivered(t *testing.T, d *db.DB) {
	t.Helper()
	testenv.WaitFor(t, deliveredWithin, "every campaign e-mail recorded as sent", func() bool {
		return countMail(t, d, `status = 'sent'`) == campaignSize
	})
}

// checkOncePerCustomer checks that the mail server received exactly one
// message for every customer of the campaign, and nothing else for them.
func checkOncePerCustomer(t *testing.T, peer *smtptest.Peer) {
	t.Helper()
	got := peer.Messages()
	for k := range campaignSize {
		to := fmt.Sprintf("c%d@example.jp", k)
		if n := len(got[to]); n != 1 {
			t.Errorf("%s received %d messages, want 1", to, n)
		}
	}
	if peer.Received() != campaignSize {
		t.Errorf("the server received %d messages in all, want %d", peer.Received(), campaignSize)
	}
}

// TestKillDuringCampaign kills the store with SIGKILL while it delivers
// an incident campaign's e-mails, some conversations with the mail server
// under way, and starts it again on the same data directory: the
// delivery resumes by itself and every customer gets the notice exactly
// once.
func TestKillDuringCampaign(t *testing.T) {
	dir, d, id := campaignStore(t)
	peer := smtptest.Start(t)
	peer.Slow(100 * time.Millisecond)
	env := []string{"KAEDE_SMTP_URL=smtp://" + peer.Addr}
	k := startKaede(t, env, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	notifyCampaign(t, dir, id)
	testenv.WaitFor(t, deliveredWithin, "a third of the campaign delivered", func() bool {
		return peer.Received() >= campaignSize/3
	})
	// Between the server's acceptance of a message and the store's record
	// of it, a kill leaves a message the store cannot know was delivered:
	// no SMTP client can close that window, and the message goes again.
	// The kill lands with deliveries under way (conversations open, held
	// at DATA) but none in that window.
	peer.Hold()
	testenv.WaitFor(t, deliveredWithin, "every accepted message recorded as sent", func() bool {
		return sentCount(t, d) == peer.Received()
	})
	k.kill(t)
	peer.Release()
	killed := peer.Received()
	t.Logf("at the kill: %d delivered; delivery jobs %s", killed, jobStates(t, d))
	startKaede(t, env, "demo", "--addr", "127.0.0.1:0", "--data", dir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("delivery jobs by state: %s", jobStates(t, d))
		}
	})
	waitDelivered(t, d)
	t.Logf("%d delivered before the kill, the other %d after the restart", killed, campaignSize-killed)
	checkOncePerCustomer(t, peer)
}

// sentCount is how many messages the store has recorded as sent.
func sentCount(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRow(`SELECT COUNT(*) FROM mail_messages WHERE status = 'sent'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// jobStates counts the e-mail delivery jobs by state, for a failure's
// message.
func jobStates(t *testing.T, d *db.DB) string {
	rows, err := d.Query(`SELECT state, COUNT(*) FROM river_job WHERE kind = 'mail_send' GROUP BY state ORDER BY state`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var state string
		var n int
		rows.Scan(&state, &n)
		out = append(out, fmt.Sprintf("%s %d", state, n))
	}
	return strings.Join(out, ", ")
}
