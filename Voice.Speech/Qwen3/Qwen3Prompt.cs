namespace Voice.Speech.Qwen3;

/// <summary>
/// What a voice brings to the prompt: nothing (design), a preset speaker's codec id and its dialect's language id,
/// or a clone's x-vector and, for in-context cloning, its reference codes and transcript.
/// </summary>
public sealed record SpeakerCondition(int? SpeakerId = null, float[]? XVector = null, long[]? ReferenceCodes = null, string? ReferenceText = null,
    int? DialectId = null)
{
    public int ReferenceFrames(int codebooks) => ReferenceCodes is null ? 0 : ReferenceCodes.Length / codebooks;
}

/// <summary>A prompt ready for the talker: its embeddings [L·H] and the text still to feed one frame at a time ([K·H], then tts_pad).</summary>
public sealed record PromptEmbeddings(float[] Embeds, float[] Trailing, float[] Pad, int TextTokens);

/// <summary>
/// Assembles the talker's prompt exactly as the official <c>Qwen3TTSForConditionalGeneration.generate</c> does
/// (QwenLM/Qwen3-TTS 022e286; replayed against it by the reference tests): the optional instruction, the assistant
/// role, the codec prefix (think tokens with the language, or the speaker's dialect for Chinese and auto; the
/// speaker; pad) over tts_pad with tts_bos last, then the text. Text goes in all at once (every token over the codec
/// pad, then tts_pad over the codec bos) or streamed (the first token over the codec bos, the rest one per frame);
/// an in-context clone adds its reference transcript to the text track and its reference frames to the codec track.
/// </summary>
public sealed class Qwen3Prompt(Qwen3Model model, Qwen3Tokenizer tokenizer)
{
    private Qwen3Manifest M => model.Manifest;

    /// <summary>The text embeddings every prompt uses, computed once: the model's weights do not change.</summary>
    private readonly Lazy<(float[] Pad, float[] Bos, float[] Eos)> _tts = new(() =>
    {
        var m = model.Manifest;
        float[] rows = model.TextEmbed([m.Special("tts_pad"), m.Special("tts_bos"), m.Special("tts_eos")]);
        int h = model.Hidden;
        return (rows[..h], rows[h..(2 * h)], rows[(2 * h)..]);
    });

    /// <param name="streamingText">Text fed one token per frame (the official default for clones) instead of all in the prompt (design, presets).</param>
    public PromptEmbeddings Build(string text, string language, string? instruct, SpeakerCondition speaker, bool streamingText)
    {
        int h = model.Hidden;
        var (ttsPad, ttsBos, ttsEos) = _tts.Value;
        var rows = new List<float[]>();
        if (!string.IsNullOrEmpty(instruct))
        {
            rows.Add(model.TextEmbed(tokenizer.Instruct(instruct)));
        }
        long[] target = tokenizer.Target(text);
        rows.Add(model.TextEmbed(target.AsSpan(0, 3)));

        float[] codec = CodecPrefix(language, speaker);
        int prefix = codec.Length / h; // [think…, (speaker), pad, bos]
        for (int i = 0; i < prefix - 1; i++)
        {
            rows.Add(Add(codec.AsSpan(i * h, h), i == prefix - 2 ? ttsBos : ttsPad));
        }
        var codecPad = codec.AsSpan((prefix - 2) * h, h).ToArray();
        var codecBos = codec.AsSpan((prefix - 1) * h, h).ToArray();

        long[] content = target[3..^5];
        float[] trailing = [];
        if (speaker.ReferenceCodes is { } referenceCodes)
        {
            // In-context cloning: text track = transcript + text + tts_eos; codec track = bos + the reference frames.
            long[] transcript = tokenizer.Reference(speaker.ReferenceText ?? "")[3..^2];
            float[] textTrack = Concat(Embed([.. transcript, .. content]), ttsEos);
            int frames = speaker.ReferenceFrames(M.Codebooks);
            float[] codecTrack = Concat(codecBos, frames == 0 ? [] : model.FrameEmbed(referenceCodes, frames));
            int textLength = textTrack.Length / h, codecLength = codecTrack.Length / h;
            if (!streamingText)
            {
                for (int i = 0; i < textLength; i++)
                {
                    rows.Add(Add(textTrack.AsSpan(i * h, h), codecPad));
                }
                for (int i = 0; i < codecLength; i++)
                {
                    rows.Add(Add(codecTrack.AsSpan(i * h, h), ttsPad));
                }
            }
            else
            {
                for (int i = 0; i < codecLength; i++)
                {
                    rows.Add(Add(codecTrack.AsSpan(i * h, h), i < textLength ? textTrack.AsSpan(i * h, h) : ttsPad));
                }
                if (textLength > codecLength)
                {
                    trailing = textTrack[(codecLength * h)..];
                }
            }
        }
        else if (!streamingText)
        {
            float[] textRows = Embed(content);
            for (int i = 0; i < content.Length; i++)
            {
                rows.Add(Add(textRows.AsSpan(i * h, h), codecPad));
            }
            rows.Add(Add(ttsEos, codecPad));
            rows.Add(Add(ttsPad, codecBos));
        }
        else
        {
            // The text's first token (ids[3]: the end-of-turn token if the text is empty, as in the official code) over the codec bos.
            rows.Add(Add(model.TextEmbed(target.AsSpan(3, 1)), codecBos));
            trailing = Concat(Embed(target[4..^5]), ttsEos);
        }
        return new PromptEmbeddings(Concat([.. rows]), trailing, ttsPad, content.Length);
    }

    /// <summary>
    /// The codec side of the prefix: [nothink, think_bos, think_eos] for auto, else [think, think_bos, language,
    /// think_eos] (a dialect speaker's dialect replaces Chinese and auto), then the speaker (a preset's codec
    /// embedding or a clone's x-vector), then pad and bos.
    /// </summary>
    private float[] CodecPrefix(string language, SpeakerCondition speaker)
    {
        int? languageId = language == "auto" ? null : M.Languages[language];
        if (speaker.DialectId is { } dialect && language is "zh" or "auto")
        {
            languageId = dialect;
        }
        long[] control = languageId is { } id
            ? [M.Special("codec_think"), M.Special("codec_think_bos"), id, M.Special("codec_think_eos")]
            : [M.Special("codec_nothink"), M.Special("codec_think_bos"), M.Special("codec_think_eos")];
        float[]? speakerRow = speaker.XVector ?? (speaker.SpeakerId is { } spk ? model.CodecEmbed([spk]) : null);
        return Concat(model.CodecEmbed(control), speakerRow ?? [], model.CodecEmbed([M.Special("codec_pad"), M.Special("codec_bos")]));
    }

    private float[] Embed(long[] ids) => ids.Length == 0 ? [] : model.TextEmbed(ids);

    private static float[] Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = new float[a.Length];
        for (int i = 0; i < sum.Length; i++)
        {
            sum[i] = a[i] + b[i];
        }
        return sum;
    }

    private static float[] Concat(params float[][] parts)
    {
        var all = new float[parts.Sum(p => p.Length)];
        int at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(all, at);
            at += part.Length;
        }
        return all;
    }
}
