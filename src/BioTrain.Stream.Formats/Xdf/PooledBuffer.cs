using System.Buffers;

namespace BioTrain.Stream.Formats.Xdf;

/// <summary>A growable array rented from the shared pool; callers must <see cref="Dispose"/> it.</summary>
internal sealed class PooledBuffer<T> : IDisposable
{
    private T[] _items;

    public PooledBuffer(int initialCapacity = 256)
    {
        _items = ArrayPool<T>.Shared.Rent(Math.Max(initialCapacity, 16));
    }

    public int Count { get; private set; }

    public Span<T> Span => _items.AsSpan(0, Count);

    /// <summary>Room for <paramref name="count"/> more items, which the caller then fills and commits with <see cref="Advance"/>.</summary>
    public Span<T> GetSpan(int count)
    {
        EnsureCapacity(checked(Count + count));
        return _items.AsSpan(Count, count);
    }

    public void Advance(int count) => Count += count;

    public void Add(T item)
    {
        if (Count == _items.Length)
        {
            EnsureCapacity(Count + 1);
        }
        _items[Count++] = item;
    }

    /// <summary>Drops everything after <paramref name="count"/> (to undo a chunk that turned out corrupt).</summary>
    public void Truncate(int count) => Count = Math.Min(Count, count);

    public void Clear() => Count = 0;

    public T[] ToArray() => Span.ToArray();

    private void EnsureCapacity(int needed)
    {
        if (needed <= _items.Length)
        {
            return;
        }
        var larger = ArrayPool<T>.Shared.Rent(Math.Max(needed, (int)Math.Min(Array.MaxLength, _items.Length * 2L)));
        _items.AsSpan(0, Count).CopyTo(larger);
        ArrayPool<T>.Shared.Return(_items);
        _items = larger;
    }

    public void Dispose()
    {
        if (_items.Length > 0)
        {
            ArrayPool<T>.Shared.Return(_items);
            _items = [];
            Count = 0;
        }
    }
}
