package report

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
)

// markdown lays blocks out in GitHub-flavoured markdown, with the charts
// as relative links to their PNG files.
func markdown(blocks []block) []byte {
	var b bytes.Buffer
	for _, bl := range blocks {
		if bl.Heading != "" {
			fmt.Fprintf(&b, "%s %s\n\n", strings.Repeat("#", bl.Level), bl.Heading)
		}
		for _, p := range bl.Paras {
			fmt.Fprintf(&b, "%s\n\n", p)
		}
		if t := bl.Table; t != nil {
			mdRow(&b, t.Head)
			rule := make([]string, len(t.Head))
			for i := range rule {
				rule[i] = "---"
				if i < len(t.Right) && t.Right[i] {
					rule[i] = "---:"
				}
			}
			fmt.Fprintf(&b, "|%s|\n", strings.Join(rule, "|"))
			for _, r := range t.Rows {
				mdRow(&b, r)
			}
			b.WriteString("\n")
		}
		if bl.Code != "" {
			fmt.Fprintf(&b, "```\n%s\n```\n\n", bl.Code)
		}
		if c := bl.Chart; c != nil {
			fmt.Fprintf(&b, "![%s](%s)\n\n%s\n\n", c.title, c.File(), c.caption)
		}
		for _, item := range bl.List {
			fmt.Fprintf(&b, "- %s\n", item)
		}
		if len(bl.List) > 0 {
			b.WriteString("\n")
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n')
}

func mdRow(b *bytes.Buffer, cells []string) {
	b.WriteString("|")
	for _, c := range cells {
		fmt.Fprintf(b, " %s |", strings.ReplaceAll(c, "|", `\|`))
	}
	b.WriteString("\n")
}

// htmlPage lays blocks out as one HTML page with its style inline and
// each chart's SVG inline: the page loads nothing else.
func htmlPage(blocks []block, svgs map[*chart][]byte) ([]byte, error) {
	type hblock struct {
		block
		SVG template.HTML
	}
	data := struct {
		Title  string
		Blocks []hblock
	}{}
	for _, bl := range blocks {
		h := hblock{block: bl}
		if bl.Chart != nil {
			svg := string(svgs[bl.Chart])
			if i := strings.Index(svg, "<svg"); i >= 0 {
				svg = svg[i:] // drop the XML declaration: the page is HTML
			}
			h.SVG = template.HTML(svg)
		}
		if bl.Level == 1 && data.Title == "" {
			data.Title = bl.Heading
		}
		data.Blocks = append(data.Blocks, h)
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("report: report.html: %w", err)
	}
	return b.Bytes(), nil
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"heading": func(level int, text string) template.HTML {
		return template.HTML(fmt.Sprintf("<h%d>%s</h%d>", level,
			template.HTMLEscapeString(text), level))
	},
	// num marks the cells of a column of numbers.
	"num": func(t *table, i int) template.HTMLAttr {
		if i < len(t.Right) && t.Right[i] {
			return ` class="num"`
		}
		return ""
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222;
  max-width: 1240px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #d0d0d0; padding: 0.25em 0.6em; text-align: left; }
th { background: #f3f3f3; } td.num, th.num { text-align: right; }
tr:nth-child(even) td { background: #fafafa; }
pre { background: #f6f6f6; padding: 0.7em; overflow-x: auto; }
figure { margin: 1em 0; } figure svg { width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.92em; }
</style>
</head>
<body>
{{range .Blocks}}{{if .Heading}}{{heading .Level .Heading}}
{{end}}{{range .Paras}}<p>{{.}}</p>
{{end}}{{with .Table}}{{$t := .}}<table>
<thead><tr>{{range $i, $h := .Head}}<th{{num $t $i}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{num $t $i}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{end}}{{with .Code}}<pre><code>{{.}}</code></pre>
{{end}}{{if .Chart}}<figure id="chart-{{.Chart.ID}}">
{{.SVG}}
<figcaption>{{.Chart.Caption}}</figcaption>
</figure>
{{end}}{{with .List}}<ul>
{{range .}}<li>{{.}}</li>
{{end}}</ul>
{{end}}{{end}}</body>
</html>
`))
