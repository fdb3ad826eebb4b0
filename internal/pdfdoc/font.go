package pdfdoc

import _ "embed"

// ipaexGothic is IPAex Gothic 004.01 from Debian's fonts-ipaexfont-gothic,
// carried in the binary so that a fresh machine prints Japanese with no
// font installed. Its licence (IPA Font License Agreement v1.0) is in
// font/IPA_Font_License_Agreement_v1.0.txt; the agreement allows
// embedding the font in documents, and a PDF carries only the subset of
// glyphs its text uses.
//
//go:embed font/ipaexg.ttf
var ipaexGothic []byte

// fontFamily is the name the document registers the font under.
const fontFamily = "ipaexg"

// FontFile is the embedded font's path and content, for the release
// manifest.
func FontFile() (name string, body []byte) { return "font/ipaexg.ttf", ipaexGothic }
