using System.Xml.Linq;
using System.Xml.XPath;

namespace BioTrain.Stream.Lsl.Discovery;

/// <summary>
/// Evaluates discovery predicates (XPath 1.0, as a boolean, with <c>&lt;info&gt;</c> as the context node)
/// against one stream's full info, caching results per query like liblsl. Queries from the network are
/// bounded in length and nesting before they reach the XPath compiler, whose recursion could otherwise
/// overflow the stack.
/// </summary>
internal sealed class QueryMatcher
{
    private const int MaxNesting = 32;

    private readonly XPathNavigator _navigator;
    private readonly int _maxCached;
    private readonly int _maxLength;
    private readonly Dictionary<string, bool> _cache = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();

    public QueryMatcher(string fullInfoXml, int maxCachedQueries, int maxQueryLength)
    {
        var doc = XDocument.Parse(fullInfoXml);
        _navigator = doc.Root!.CreateNavigator();
        _maxCached = maxCachedQueries;
        _maxLength = maxQueryLength;
    }

    /// <summary>True when the predicate matches; an invalid or oversized predicate matches nothing.</summary>
    public bool Matches(string predicate)
    {
        predicate = predicate.Trim();
        if (predicate.Length == 0)
        {
            return true;
        }

        lock (_sync)
        {
            if (_cache.TryGetValue(predicate, out var cached))
            {
                return cached;
            }

            var result = Evaluate(predicate);
            if (_cache.Count >= _maxCached)
            {
                _cache.Clear();
            }

            if (_maxCached > 0)
            {
                _cache[predicate] = result;
            }

            return result;
        }
    }

    private bool Evaluate(string predicate)
    {
        if (!IsWithinLimits(predicate, _maxLength))
        {
            return false;
        }

        try
        {
            return _navigator.Clone().Evaluate("boolean(" + predicate + ")") is true;
        }
        catch (XPathException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Checks length and bracket nesting without recursion.</summary>
    public static bool IsWithinLimits(string predicate, int maxLength)
    {
        if (predicate.Length > maxLength)
        {
            return false;
        }

        var depth = 0;
        char quote = '\0';
        foreach (var c in predicate)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(' or '[':
                    if (++depth > MaxNesting)
                    {
                        return false;
                    }

                    break;
                case ')' or ']':
                    depth--;
                    break;
            }
        }

        return true;
    }
}
