namespace BioTrain.Stream.Recording;

/// <summary>
/// Recorded timestamp → pushed timestamp. Without restamp: unchanged plus the loop shift (so the
/// original values go out bit for bit on the first pass). With restamp: the replay start on the local
/// clock plus the relative recorded time (including the loop shift) divided by the speed.
/// </summary>
internal readonly record struct StampMap(bool Restamp, double Origin, double Shift, double Start, double Speed)
{
    public double Map(double recorded) => Restamp ? Start + ((recorded - Origin + Shift) / Speed) : recorded + Shift;
}
