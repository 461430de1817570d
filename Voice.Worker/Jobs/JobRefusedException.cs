namespace Voice.Worker.Jobs;

/// <summary>A job that cannot run as submitted and would fail the same way every time: it fails at once with this problem, no retry.</summary>
public class JobRefusedException(string problemType, string message) : Exception(message)
{
    public string ProblemType { get; } = problemType;
}
