package tools

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// Task ids that carry their job.
//
// A stateless server (streamable HTTP with --stateless, many replicas behind a
// load balancer) keeps no task in memory: the id of a task-augmented
// submit_job call names the CARTO connection and job it stands for, and is
// signed with the deployment's task secret, so that any replica holding the
// same secret can answer tasks/get, tasks/result and tasks/cancel for it by
// asking CARTO, and none answers for an id it did not mint:
//
//	cj1.<base64url(connection NUL job id)>.<base64url(HMAC-SHA256(secret, "cj1." payload)[:16])>
//
// The id reveals the connection and job id (which get_job shows anyway) and
// nothing else; the MAC is 128 bits of HMAC-SHA256, compared in constant time.

const (
	taskIDPrefix = "cj1."
	taskMACBytes = 16
	// MinTaskSecretBytes is the shortest task secret accepted.
	MinTaskSecretBytes = 16
)

var taskIDEncoding = base64.RawURLEncoding

// taskIDs mints and checks task ids with one secret.
type taskIDs struct{ secret []byte }

// mint returns the task id for job on conn.
func (k taskIDs) mint(conn, job string) string {
	payload := taskIDPrefix + taskIDEncoding.EncodeToString([]byte(conn+"\x00"+job))
	return payload + "." + taskIDEncoding.EncodeToString(k.mac(payload))
}

// parse checks id and returns the connection and job it names. ours is false
// when id is not in this format at all (another kind of task); ok is false
// when it is, but was not minted with this secret or is malformed.
func (k taskIDs) parse(id string) (conn, job string, ours, ok bool) {
	if !strings.HasPrefix(id, taskIDPrefix) {
		return "", "", false, false
	}
	i := strings.LastIndexByte(id, '.')
	if i < len(taskIDPrefix) {
		return "", "", true, false
	}
	payload, sig := id[:i], id[i+1:]
	mac, err := taskIDEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(mac, k.mac(payload)) {
		return "", "", true, false
	}
	raw, err := taskIDEncoding.DecodeString(payload[len(taskIDPrefix):])
	if err != nil {
		return "", "", true, false
	}
	conn, job, found := strings.Cut(string(raw), "\x00")
	if !found || conn == "" || job == "" {
		return "", "", true, false
	}
	return conn, job, true, true
}

func (k taskIDs) mac(payload string) []byte {
	h := hmac.New(sha256.New, k.secret)
	h.Write([]byte(payload))
	return h.Sum(nil)[:taskMACBytes]
}
