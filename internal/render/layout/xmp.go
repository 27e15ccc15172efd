package layout

import "bytes"

// xmp is the document's XMP metadata (ISO 16684-1): the same title,
// author, subject and keywords as the document information, where
// PDF/UA looks for the title (dc:title). No date: the same input gives
// the same bytes. It claims no conformance (no pdfuaid): nothing here
// validates the file as PDF/UA.
func (m Meta) xmp() []byte {
	var b bytes.Buffer
	lang := xmlEscape(m.Lang)
	alt := func(tag, v string) {
		if v == "" {
			return
		}
		b.WriteString("<" + tag + "><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xmlEscape(v) + "</rdf:li>")
		if lang != "" {
			b.WriteString("<rdf:li xml:lang=\"" + lang + "\">" + xmlEscape(v) + "</rdf:li>")
		}
		b.WriteString("</rdf:Alt></" + tag + ">\n")
	}
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n")
	b.WriteString("<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n")
	alt("dc:title", m.Title)
	alt("dc:description", m.Subject)
	if m.Author != "" {
		b.WriteString("<dc:creator><rdf:Seq><rdf:li>" + xmlEscape(m.Author) + "</rdf:li></rdf:Seq></dc:creator>\n")
	}
	if lang != "" {
		b.WriteString("<dc:language><rdf:Bag><rdf:li>" + lang + "</rdf:li></rdf:Bag></dc:language>\n")
	}
	if m.Keywords != "" {
		b.WriteString("<pdf:Keywords>" + xmlEscape(m.Keywords) + "</pdf:Keywords>\n")
	}
	b.WriteString("<pdf:Producer>countyreport</pdf:Producer>\n")
	b.WriteString("</rdf:Description>\n</rdf:RDF></x:xmpmeta>\n<?xpacket end=\"r\"?>")
	return b.Bytes()
}
