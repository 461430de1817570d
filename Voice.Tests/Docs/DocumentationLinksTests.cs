using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Voice.Tests.Docs;

/// <summary>Every relative link in README.md, examples/README.md and docs/*.md leads to a file that exists, and to a heading that exists there.</summary>
public sealed partial class DocumentationLinksTests
{
    public static TheoryData<string> Pages()
    {
        var pages = new TheoryData<string> { "README.md", "examples/README.md" };
        foreach (string page in Directory.GetFiles(DocumentationFiles.PathOf("docs"), "*.md").Order(StringComparer.Ordinal))
        {
            pages.Add("docs/" + Path.GetFileName(page));
        }
        return pages;
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryRelativeLinkLeadsToAFileAndHeadingThatExist(string page)
    {
        string folder = Path.GetDirectoryName(DocumentationFiles.PathOf(page))!;
        var broken = new List<string>();
        foreach (string target in Links(page))
        {
            if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
            {
                continue;
            }
            string[] parts = target.Split('#', 2);
            string path = parts[0].Length == 0 ? DocumentationFiles.PathOf(page) : Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(parts[0])));
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                broken.Add($"{target}: no such file");
            }
            else if (parts.Length == 2 && path.EndsWith(".md", StringComparison.Ordinal) && File.Exists(path) && !Anchors(path).Contains(parts[1]))
            {
                broken.Add($"{target}: no heading with that anchor in {Path.GetRelativePath(DocumentationFiles.PathOf("."), path)}");
            }
        }
        Assert.True(broken.Count == 0, $"{page} has broken links:\n" + string.Join('\n', broken));
    }

    [Fact]
    public void TheCheckFindsABrokenLink()
    {
        Assert.Equal(["missing.md", "#nowhere", "https://example.com"], LinksIn("[a](missing.md) [b](#nowhere) `[c](ignored.md)` <https://x> [d](https://example.com)\n```\n[e](in-code.md)\n```"));
        Assert.Contains("getting-started", Anchors(DocumentationFiles.PathOf("docs/getting-started.md")));
    }

    private static IEnumerable<string> Links(string page) => LinksIn(File.ReadAllText(DocumentationFiles.PathOf(page)));

    /// <summary>The targets of Markdown links outside code blocks and code spans.</summary>
    private static List<string> LinksIn(string markdown)
    {
        var links = new List<string>();
        bool inCode = false;
        foreach (string line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                continue;
            }
            if (!inCode)
            {
                links.AddRange(LinkPattern().Matches(CodeSpan().Replace(line, "")).Select(m => m.Groups[1].Value));
            }
        }
        return links;
    }

    /// <summary>GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to hyphens, repeats numbered.</summary>
    private static HashSet<string> Anchors(string path)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        bool inCode = false;
        foreach (string line in File.ReadLines(path))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
            }
            if (inCode || !line.StartsWith('#'))
            {
                continue;
            }
            var slug = new StringBuilder();
            foreach (char c in line.TrimStart('#').Trim().ToLower(CultureInfo.InvariantCulture))
            {
                if (char.IsLetterOrDigit(c) || c is '-' or '_')
                {
                    slug.Append(c);
                }
                else if (c == ' ')
                {
                    slug.Append('-');
                }
            }
            string anchor = slug.ToString();
            int count = seen.GetValueOrDefault(anchor);
            seen[anchor] = count + 1;
            anchors.Add(count == 0 ? anchor : $"{anchor}-{count}");
        }
        return anchors;
    }

    [GeneratedRegex(@"\]\(([^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex CodeSpan();
}
