using System.Text;
using k8s;

namespace Voice.Deploy;

/// <summary>Writing the generated files: Kubernetes objects as YAML documents, env files, kustomizations.</summary>
public static class Yaml
{
    public static string Documents(IEnumerable<object> objects) =>
        string.Join("---\n", objects.Select(o => KubernetesYaml.Serialize(o).TrimEnd('\n') + "\n"));

    /// <summary>A kustomize env file (<c>NAME=value</c> lines), sorted so regeneration is stable.</summary>
    public static string EnvFile(IEnumerable<(string Name, string Value)> settings)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in settings.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            if (value.Contains('\n', StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Setting '{name}' spans lines; env files cannot hold it.");
            }
            text.Append(name).Append('=').Append(value).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>A kustomization.yaml, written field by field in kustomize's usual order.</summary>
    public sealed class Kustomization
    {
        private readonly StringBuilder _text = new();

        public Kustomization()
        {
            _text.Append("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n");
        }

        public void Comment(string text) => _text.Insert(0, $"# {text}\n");

        public void Namespace(string name) => _text.Append("namespace: ").Append(name).Append('\n');

        public void Labels(SortedDictionary<string, string> labels)
        {
            _text.Append("labels:\n- includeSelectors: false\n  pairs:\n");
            foreach (var (key, value) in labels)
            {
                _text.Append("    ").Append(key).Append(": ").Append(value).Append('\n');
            }
        }

        public void Resources(IEnumerable<string> paths) => List("resources", paths);

        public void Patches(IEnumerable<string> paths)
        {
            _text.Append("patches:\n");
            foreach (string path in paths)
            {
                _text.Append("- path: ").Append(path).Append('\n');
            }
        }

        public void Images(IEnumerable<(string Name, string NewName, string NewTag)> images)
        {
            _text.Append("images:\n");
            foreach (var (name, newName, newTag) in images)
            {
                _text.Append("- name: ").Append(name).Append('\n');
                if (newName != name)
                {
                    _text.Append("  newName: ").Append(newName).Append('\n');
                }
                _text.Append("  newTag: \"").Append(newTag).Append("\"\n");
            }
        }

        public void ConfigMaps(IEnumerable<(string Name, string EnvFile)> maps, bool merge) => Generator("configMapGenerator", maps, merge);

        public void Secrets(IEnumerable<(string Name, string EnvFile)> secrets) => Generator("secretGenerator", secrets, merge: false);

        private void Generator(string field, IEnumerable<(string Name, string EnvFile)> items, bool merge)
        {
            _text.Append(field).Append(":\n");
            foreach (var (name, envFile) in items)
            {
                _text.Append("- name: ").Append(name).Append('\n');
                if (merge)
                {
                    _text.Append("  behavior: merge\n");
                }
                _text.Append("  envs:\n  - ").Append(envFile).Append('\n');
            }
        }

        private void List(string field, IEnumerable<string> items)
        {
            _text.Append(field).Append(":\n");
            foreach (string item in items)
            {
                _text.Append("- ").Append(item).Append('\n');
            }
        }

        public override string ToString() => _text.ToString();
    }
}
