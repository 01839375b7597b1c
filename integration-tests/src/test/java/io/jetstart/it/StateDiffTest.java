package io.jetstart.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateDiffTest {

    private static JsonNode parse(String json) throws Exception {
        return Json.mapper().readTree(json.replace('\'', '"'));
    }

    private static final String SERVER = """
            {'streams':[{'account':'$G','name':'S','state':{'messages':9,'bytes':900,'first_seq':1,
             'first_ts':'2026-01-01T00:00:00.5Z','last_seq':10,'last_ts':'2026-01-01T00:00:01Z','num_deleted':1,
             'deleted':[5],'num_subjects':2,'subjects':{'a':4,'b':5},'consumer_count':1},
             'consumers':[{'name':'C','delivered':{'consumer_seq':3,'stream_seq':3},
             'ack_floor':{'consumer_seq':1,'stream_seq':1},'num_ack_pending':2,'num_redelivered':0,'num_pending':6}]}]}
            """;

    @Test
    void identicalReportsHaveNoDifference() throws Exception {
        assertThat(StateDiff.between("server", parse(SERVER), "jetstart", parse(SERVER))).isEmpty();
    }

    @Test
    void jetstartJsonWithExtraFieldsAndZeroDefaultsIsComparedOnTheComparedFieldsOnly() throws Exception {
        JsonNode server = parse("""
                {'streams':[{'account':'$G','name':'E','state':{'messages':0,'bytes':0,'first_seq':0,
                 'first_ts':'0001-01-01T00:00:00Z','last_seq':0,'last_ts':'0001-01-01T00:00:00Z','consumer_count':0},
                 'consumers':[]}]}
                """);
        JsonNode jetstart = parse("""
                {'streams':[{'account':'$G','name':'E','config':{'name':'E'},'source':'index','problems':[],
                 'state':{'messages':0,'bytes':0,'first_seq':0,'first_ts':'0001-01-01T00:00:00Z','last_seq':0,
                 'last_ts':'0001-01-01T00:00:00Z','num_subjects':0,'subjects':{},'consumer_count':0},'consumers':[]}],
                 'summary':{}}
                """);
        assertThat(StateDiff.between("server", server, "jetstart", StateDiff.comparedView(jetstart))).isEmpty();
    }

    @Test
    void everyDifferingFieldIsNamedWithBothValues() throws Exception {
        String other = SERVER.replace("'messages':9", "'messages':8").replace("'deleted':[5]", "'deleted':[5,6]")
                .replace("'b':5", "'b':4").replace("'num_pending':6", "'num_pending':5");
        List<String> diff = StateDiff.between("server", parse(SERVER), "jetstart", parse(other));
        assertThat(diff).containsExactly(
                "$G > S: state.messages: server 9, jetstart 8",
                "$G > S: state.deleted: server 1 seqs, jetstart 2; only server: []; only jetstart: [6]",
                "$G > S: state.subjects (server/jetstart): [b 5/4]",
                "$G > S > C: num_pending: server 6, jetstart 5");
    }

    @Test
    void streamsAreMatchedByAccountAndName() throws Exception {
        String otherAccount = SERVER.replace("'account':'$G'", "'account':'ACC_A'");
        assertThat(StateDiff.between("server", parse(SERVER), "jetstart", parse(otherAccount)))
                .containsExactly("$G > S: stream only in server", "ACC_A > S: stream only in jetstart");
    }
}
