package web

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown renders benchmark documents. Raw HTML is never passed through
// (goldmark's default, html.WithUnsafe is not given: it is replaced by a
// comment), and safeLinks keeps only http, https, mailto and relative
// links and images.
var markdown = goldmark.New(
	goldmark.WithExtensions(extension.Table, extension.Strikethrough),
	goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(safeLinks{}, 100))),
)

// renderMarkdown returns the HTML of a Markdown document.
func renderMarkdown(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	// The renderer escapes text and attributes, passes no raw HTML and
	// safeLinks vetted every URL, so the output is safe to inline.
	return template.HTML(buf.String()), nil
}

// safeLinks empties the destination of every link, image and autolink
// whose URL is not allowed (allowedURL), so `javascript:` and the like
// never reach a page.
type safeLinks struct{}

func (safeLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	var blocked []*ast.AutoLink
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch x := n.(type) {
		case *ast.Link:
			if !allowedURL(string(x.Destination)) {
				x.Destination = []byte("#blocked-link")
			}
		case *ast.Image:
			if !allowedURL(string(x.Destination)) {
				x.Destination = []byte("#blocked-image")
			}
		case *ast.AutoLink:
			if !allowedURL(string(x.URL(reader.Source()))) {
				blocked = append(blocked, x)
			}
		}
		return ast.WalkContinue, nil
	})
	// Replace blocked autolinks by their text, after the walk.
	for _, x := range blocked {
		x.Parent().ReplaceChild(x.Parent(), x, ast.NewString(x.Label(reader.Source())))
	}
}

// allowedURL reports whether a document may link to u: http and https
// URLs, and relative references (no scheme).
func allowedURL(u string) bool {
	u = strings.TrimSpace(u)
	parsed, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(parsed.Scheme) {
	case "http", "https":
		return true
	case "":
		// A relative reference; refuse anything a browser could still read
		// as a scheme (e.g. "java\tscript:" after its own cleaning).
		return !strings.ContainsAny(u, "\t\n\r") && !strings.Contains(strings.SplitN(u, "/", 2)[0], ":")
	}
	return false
}
