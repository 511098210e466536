extension PageTemplates {
    /// `/dead-letters`: the DLQ topic's messages, newest first, their bytes as escaped text.
    static let deadLetters = """
        {{<layout}}
        {{$content}}
        <h1>Dead letters</h1>
        <p>{{total}} on <code>{{topic}}</code>{{#code}} with code {{code}}{{/code}}.</p>
        <form method="get" action="/dead-letters" class="filters">
          <label for="code">Code</label>
          <select id="code" name="code"><option value="">any</option>{{#codes}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/codes}}</select>
          <button type="submit">Filter</button>
        </form>
        {{#replayForm}}
        <form method="post" action="/dead-letters/replay" class="replay">
          <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="code" value="{{code}}">
          <button type="submit">Replay {{count}} {{letters}}</button>
          <span class="hint">Each goes back to the topic it came from, once; letters whose request is decided are skipped.</span>
        </form>
        {{/replayForm}}
        {{^hasLetters}}<p>No dead letters.</p>{{/hasLetters}}
        {{#hasLetters}}
        <table>
          <thead><tr><th scope="col">When (UTC)</th><th scope="col">Code</th><th scope="col">Why</th><th scope="col">From</th><th scope="col">At</th><th scope="col">Key</th><th scope="col">Bytes</th><th scope="col">Replayed</th></tr></thead>
          <tbody>
          {{#letters}}<tr><td>{{at}}</td><td>{{code}}</td><td>{{message}}</td><td><code>{{source}}</code></td><td><code>{{coordinates}}</code></td><td><code>{{key}}</code></td><td><pre class="bytes">{{value}}</pre>{{more}} ({{size}} bytes)</td><td>{{replayed}}</td></tr>{{/letters}}
          </tbody>
        </table>
        {{/hasLetters}}
        <p class="paging">{{#previous}}<a href="{{previous}}" rel="prev">← Newer</a> {{/previous}}{{#next}}<a href="{{next}}" rel="next">Older →</a>{{/next}}</p>
        {{/content}}
        {{/layout}}
        """
}
