package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// compose renders m as an RFC 5322 message: UTF-8 text, base64 so that no
// line is too long and no byte is mangled by a relay, the subject as RFC
// 2047 encoded words. Message-ID is derived from the stored message, so a
// retry sends the same one and a receiver can tell duplicates apart.
func compose(m Stored, from *mail.Address, date time.Time) ([]byte, error) {
	to, err := parseRecipient(m.To)
	if err != nil {
		return nil, fmt.Errorf("mail %d recipient: %w", m.ID, err)
	}
	if strings.IndexFunc(m.Subject, isLineBreak) >= 0 {
		return nil, fmt.Errorf("mail %d subject has a line break", m.ID)
	}
	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", encodeSubject(m.Subject))
	header("Date", date.Format(time.RFC1123Z))
	header("Message-ID", messageID(m, from))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	// Text travels with CRLF line ends; encode after converting.
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes(), nil
}

func isLineBreak(r rune) bool { return r == '\r' || r == '\n' }

// encodeSubject leaves a printable ASCII subject as it is and otherwise
// writes it as UTF-8 encoded words (RFC 2047), folded one word a line. A
// word holds at most 39 bytes of text, so with "Subject: " in front every
// line stays within 78 characters; a word never splits a character, as
// the RFC requires.
func encodeSubject(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r > '~' }) < 0 {
		return s
	}
	const maxBytes = 39
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n > 0 && n+size > maxBytes {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// messageID is <kaede.ID.CREATED@DOMAIN>, DOMAIN being the sender's.
func messageID(m Stored, from *mail.Address) string {
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	return "<kaede." + strconv.FormatInt(m.ID, 10) + "." + strconv.FormatInt(m.CreatedAt.UnixMicro(), 36) + "@" + domain + ">"
}
