using Voice.Worker.Jobs;

namespace Voice.Worker.Voices;

/// <summary>A job's voice cannot be used: it was deleted, or the engine could not prepare it. Not worth a retry.</summary>
public sealed class VoiceUnavailableException(string problemType, string message) : JobRefusedException(problemType, message);
